import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { type Lookup, type OutboundPolicy, systemLookup } from './outbound-policy';
import { bareHost, checkWebhookUrlShape, firstNonPublic } from './webhook-url';

/**
 * How one delivery attempt ended. A `response` is any HTTP answer, 3xx included (redirects are never
 * followed); whether its status counts as delivered is the caller's rule. A `failed` attempt got no
 * answer:
 * - `blocked`: the policy refused the destination (scheme, allowedHosts, an address that is not
 *   public, also when DNS only says so at delivery time); nothing was connected. Retrying the same URL
 *   under the same policy is refused again.
 * - `dns`: the host name did not resolve.
 * - `connect`: no TCP connection (refused, unreachable, reset while connecting).
 * - `tls`: the TLS handshake failed (certificate not trusted, wrong host, protocol).
 * - `network`: the connection broke after it was made, before the response headers were complete.
 * - `bad_response`: the receiver answered something that is not HTTP/1.1 (or headers over 16 KiB).
 * - `timeout`: the whole attempt (connect, send, headers, body) ran past `timeoutMs`.
 * - `aborted`: the caller's signal fired (shutdown); not the receiver's fault.
 * - `invalid_request`: the caller's headers could not be sent (a bug of the caller, never retried).
 */
export type OutboundError =
  | 'blocked'
  | 'dns'
  | 'connect'
  | 'tls'
  | 'network'
  | 'bad_response'
  | 'timeout'
  | 'aborted'
  | 'invalid_request';

export type OutboundResult =
  | {
      kind: 'response';
      status: number;
      durationMs: number;
      /** The first `keepBytes` of the body, decoded as UTF-8 without a split character; NUL → U+FFFD. */
      body: string;
      /** `Retry-After` in seconds (delta or HTTP-date), clamped to 0..86400; null when absent or unreadable. */
      retryAfterSeconds: number | null;
    }
  | { kind: 'failed'; error: OutboundError; message: string; durationMs: number };

export interface PostWebhookOptions {
  headers: Record<string, string>;
  body: string;
  policy: OutboundPolicy;
  lookup?: Lookup;
  /** One deadline for the whole attempt. */
  timeoutMs?: number;
  /** Response body bytes read at most; then the connection is dropped (not an error). */
  maxReadBytes?: number;
  /** Response body bytes kept in the result. */
  keepBytes?: number;
  signal?: AbortSignal;
}

export const USER_AGENT = 'Keyhole-Webhooks/1';
const MAX_RETRY_AFTER_SECONDS = 86_400;

/** Thrown inside the connect-time lookup; tells a refused address apart from a DNS failure. */
class BlockedAddressError extends Error {}

/**
 * Resolves through `lookup` when the socket connects and refuses the connection if any address is
 * not public: the addresses checked are the very ones connected to, so a DNS answer that changed
 * since subscribe time (rebinding to 127.0.0.1) is caught. Node calls it with `{ all: true }` when it
 * races address families (autoSelectFamily, the default on Node 20), else expects one address.
 */
function guardedLookup(lookup: Lookup, allowPrivate: boolean, onResolved: () => void): LookupFunction {
  return (hostname, options, callback) => {
    type Answer = { err: NodeJS.ErrnoException } | { found: { address: string; family: 4 | 6 }[] };
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
    const notFound = (message: string): Answer => ({
      err: Object.assign(new Error(message), { code: 'ENOTFOUND' }),
    });
    Promise.resolve()
      .then(() => lookup(hostname))
      .then((all): Answer => {
        const bad = allowPrivate ? undefined : firstNonPublic(all);
        if (bad !== undefined) {
          return { err: new BlockedAddressError(`${hostname} resolves to a private address (${bad}).`) };
        }
        const found = all.filter((a) => wanted === 0 || a.family === wanted);
        return found.length > 0 ? { found } : notFound(`${hostname} has no address.`);
      })
      // Whatever the injected lookup throws or returns, the connection gets an answer.
      .catch((): Answer => notFound(`${hostname} did not resolve.`))
      .then((answer) =>
        // Outside the promise chain: a throw in Node's callback must not come back here as a rejection.
        process.nextTick(() => {
          if ('err' in answer) return callback(answer.err, '', 0);
          onResolved();
          if (options.all) return callback(null, answer.found);
          callback(null, answer.found[0]!.address, answer.found[0]!.family);
        }),
      );
  };
}

/** Seconds from a `Retry-After` value: a delay in seconds or an HTTP-date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  let seconds: number;
  if (/^\d+$/.test(v)) seconds = Number(v);
  else if (/[a-z]/i.test(v) && !Number.isNaN(Date.parse(v)))
    seconds = Math.ceil((Date.parse(v) - now) / 1000);
  else return null;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}

function excerpt(chunks: Buffer[], keepBytes: number): string {
  const bytes = Buffer.concat(chunks).subarray(0, keepBytes);
  // `stream: true` holds back a character cut at the end instead of turning it into U+FFFD.
  return new TextDecoder('utf-8').decode(bytes, { stream: true }).replaceAll('\0', '\uFFFD');
}

type Stage = 'lookup' | 'connect' | 'tls' | 'sent';

function errorOf(err: NodeJS.ErrnoException, stage: Stage): OutboundError {
  if (err instanceof BlockedAddressError) return 'blocked';
  if (stage === 'lookup') return err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'dns' : 'connect';
  if (stage === 'connect') return 'connect';
  if (stage === 'tls') return 'tls';
  return err.code?.startsWith('HPE_') ? 'bad_response' : 'network';
}

const MESSAGES: Record<OutboundError, string> = {
  blocked: 'The destination is not allowed.',
  dns: 'The host name did not resolve.',
  connect: 'Could not connect to the receiver.',
  tls: 'The TLS handshake with the receiver failed.',
  network: 'The connection to the receiver broke before it answered.',
  bad_response: 'The receiver did not answer with valid HTTP.',
  timeout: 'The receiver did not answer in time.',
  aborted: 'The delivery was stopped before the receiver answered.',
  invalid_request: 'The webhook request could not be built.',
};

/**
 * One webhook delivery attempt (SPEC §11 "Outbound safety"): a POST with a JSON body, no redirects,
 * no connection reuse (`agent: false`, and node:http reads no proxy variables), one deadline for
 * everything, at most `maxReadBytes` of the answer read. Never throws; the socket is gone when the
 * promise settles.
 */
export async function postWebhook(url: string, opts: PostWebhookOptions): Promise<OutboundResult> {
  const started = performance.now();
  const { timeoutMs = 10_000, maxReadBytes = 64 * 1024, keepBytes = 1024, policy, signal } = opts;
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: OutboundError, message = MESSAGES[error]): OutboundResult => ({
    kind: 'failed',
    error,
    message,
    durationMs: elapsed(),
  });

  const shape = checkWebhookUrlShape(url, policy);
  if (!shape.ok) return fail('blocked', shape.message);
  if (signal?.aborted) return fail('aborted');

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers)) headers[name.toLowerCase()] = value;
  Object.assign(headers, {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'content-length': String(Buffer.byteLength(opts.body)),
  });

  return new Promise<OutboundResult>((resolve) => {
    // Node skips the lookup for an IP literal.
    let stage: Stage = isIP(bareHost(shape.url)) === 0 ? 'lookup' : 'connect';
    let req: ClientRequest | undefined;
    let settled = false;
    const settle = (result: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      req?.destroy();
      resolve(result);
    };
    const deadline = setTimeout(() => settle(fail('timeout')), timeoutMs);
    const onAbort = () => settle(fail('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });

    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let read = 0;
      const done = () =>
        settle({
          kind: 'response',
          status: res.statusCode ?? 0,
          durationMs: elapsed(),
          body: excerpt(chunks, keepBytes),
          retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
        });
      res.on('data', (chunk: Buffer) => {
        if (read < keepBytes) chunks.push(chunk);
        read += chunk.length;
        if (read >= maxReadBytes) done();
      });
      res.on('end', done);
      // The status arrived; a body cut short by the receiver does not undo it.
      res.on('error', done);
      res.on('aborted', done);
    };

    try {
      const secure = shape.url.protocol === 'https:';
      req = (secure ? https : http).request(shape.url, {
        method: 'POST',
        headers,
        agent: false,
        lookup: guardedLookup(opts.lookup ?? systemLookup, policy.allowPrivate, () => {
          stage = 'connect';
        }),
      });
      req.once('socket', (socket) => {
        socket.once('connect', () => {
          stage = secure ? 'tls' : 'sent';
        });
        socket.once('secureConnect', () => {
          stage = 'sent';
        });
      });
      req.once('response', onResponse);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const error = errorOf(err, stage);
        settle(fail(error, error === 'blocked' ? err.message : MESSAGES[error]));
      });
      req.end(opts.body);
    } catch {
      // node:http refuses a header name or value it cannot send (a newline, say) by throwing.
      settle(fail('invalid_request'));
    }
  });
}
