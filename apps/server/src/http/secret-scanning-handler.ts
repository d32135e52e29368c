import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '@keyhole/api/host';
import { checkReportSignature, parseLeakReport, reportLeakedKeys } from '@keyhole/api/host';
import { LEAK_REPORT_LIMITS } from '@keyhole/core';
import { sendRestError } from './error-answers';
import { readBodyBytesOrRefuse } from './read-body';
import { requestInfo } from './request-info';

export const SECRET_SCANNING_PATH = '/secret-scanning/github';

const SIGNATURE_REFUSALS = {
  missing: {
    reason: 'signature_missing',
    message: 'Send the Github-Public-Key-Identifier and Github-Public-Key-Signature headers.',
  },
  unknown_key: {
    reason: 'unknown_key_identifier',
    message: 'Github-Public-Key-Identifier names no key this server trusts.',
  },
  invalid: {
    reason: 'invalid_signature',
    message: 'Github-Public-Key-Signature is not a valid ECDSA P-256 / SHA-256 signature of this body.',
  },
} as const;

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? undefined : value;
};

/**
 * GitHub's secret-scanning partner endpoint (SPEC §12). In order: the method (405), the endpoint
 * configured (404), the client IP's budget (429), the size (413, the raw bytes capped at 1 MiB),
 * the signature over those bytes before anything parses them (401), then the payload (400, 413 past
 * 1,000 tokens), then each token. Answers JSON, `no-store`, errors in the REST envelope; a token is
 * never logged (the request log line holds the path only).
 */
export function createSecretScanningHandler(deps: AppDeps) {
  return async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendRestError(res, {
        status: 405,
        code: 'METHOD_NOT_SUPPORTED',
        message: `${req.method} is not supported on ${SECRET_SCANNING_PATH}: secret scanners POST their reports.`,
      });
      return;
    }
    const keys = deps.secretScanningKeys;
    if (!keys) {
      sendRestError(res, {
        status: 404,
        code: 'NOT_FOUND',
        message:
          'Secret-scanning reports are not enabled on this server: set KEYHOLE_SECRET_SCANNING_KEYS_FILE to a copy of https://api.github.com/meta/public_keys/secret_scanning (see docs/SECURITY.md).',
        reason: 'secret_scanning_disabled',
      });
      return;
    }
    const { ip, userAgent } = requestInfo(req, requestId, deps.config.trustProxy);
    const budget = await deps.counters.secretScanningPerIp.hit(ip, deps.config.secretScanning.limitPerMinute);
    if (!budget.allowed) {
      res.setHeader('retry-after', String(Math.max(1, Math.ceil(budget.resetMs / 1000))));
      sendRestError(res, {
        status: 429,
        code: 'TOO_MANY_REQUESTS',
        message: `At most ${budget.limit} reports per minute from one address. Retry after Retry-After seconds.`,
        reason: 'rate_limited',
      });
      return;
    }
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > LEAK_REPORT_LIMITS.maxBodyBytes) {
      res.setHeader('connection', 'close');
      sendRestError(res, {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        message: `A report is at most ${LEAK_REPORT_LIMITS.maxBodyBytes} bytes (1 MiB).`,
      });
      return;
    }
    const body = await readBodyBytesOrRefuse(req, res, LEAK_REPORT_LIMITS.maxBodyBytes, sendRestError);
    if (body === null) return;
    const signature = checkReportSignature(
      keys,
      header(req, 'github-public-key-identifier'),
      header(req, 'github-public-key-signature'),
      body,
    );
    if (signature !== 'valid') {
      sendRestError(res, { status: 401, code: 'UNAUTHORIZED', ...SIGNATURE_REFUSALS[signature] });
      return;
    }
    const parsed = parseLeakReport(body.toString('utf8'));
    if (!parsed.ok) {
      sendRestError(res, {
        status: parsed.status,
        code: parsed.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
        message: parsed.message,
      });
      return;
    }
    let answers: Awaited<ReturnType<typeof reportLeakedKeys>>;
    try {
      // Not tied to the client's connection: a leaked key is revoked even if the scanner hangs up.
      answers = await reportLeakedKeys(deps, { ip, userAgent }, parsed.reports);
    } catch (err) {
      deps.logger.error({ err, requestId }, 'leak report failed; the scanner will send it again');
      res.setHeader('retry-after', '5');
      sendRestError(res, {
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'The report could not be processed now. Send it again later.',
        reason: 'database_unavailable',
      });
      return;
    }
    const tally = {
      tokens: answers.length,
      truePositives: answers.filter((a) => a.label === 'true_positive').length,
    };
    deps.logger.info({ requestId, ...tally }, 'leak report');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers));
  };
}
