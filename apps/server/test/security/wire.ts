import { connect } from 'node:net';
import { ERROR_CODES, HTTP_STATUS } from '@keyhole/core';
import { type HttpResult, queryPath, type TrpcEnvelope, trpcRequest } from '@keyhole/testing/http';
import { uniqueIpIn } from '@keyhole/testing/ips';
import { expect } from 'vitest';

/**
 * Plain-fetch tRPC over real HTTP for the security suites, keeping every error body it saw so the
 * suite can search them for secrets at the end.
 */

export type WireResult = Pick<HttpResult, 'status' | 'headers' | 'text' | 'json'>;

/** Addresses from TEST-NET-2, random: with REDIS_URL the per-IP counters outlive a run. */
export const randomIp = () => uniqueIpIn('198.51');

export class Wire {
  /** Every error the server sent (a batch's errors one by one), for the secret-hygiene search. */
  readonly errorBodies: string[] = [];
  requests = 0;

  constructor(readonly baseUrl: string) {}

  async send(opts: {
    method?: string;
    /** Path and query after `/trpc/`. */
    path: string;
    headers?: Record<string, string>;
    body?: string | Blob;
  }): Promise<WireResult> {
    this.requests++;
    const { status, headers, text, json } = await trpcRequest(this.baseUrl, {
      ...opts,
      headers: { 'x-forwarded-for': randomIp(), ...opts.headers },
    });
    // A batch may mix results (a secret from keys.reveal is fine there) with errors (never fine).
    if (json === undefined) {
      if (status !== 200) this.errorBodies.push(text);
    } else {
      for (const env of (Array.isArray(json) ? json : [json]) as TrpcEnvelope[]) {
        if (env && typeof env === 'object' && 'error' in env)
          this.errorBodies.push(JSON.stringify(env.error));
      }
    }
    return { status, headers, text, json };
  }

  query(path: string, input: unknown, headers: Record<string, string> = {}) {
    return this.send({ path: queryPath(path, input), headers });
  }

  mutation(path: string, input: unknown, headers: Record<string, string> = {}) {
    return this.send({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...headers },
      ...(input === undefined ? {} : { body: JSON.stringify(input) }),
    });
  }
}

const SPEC_CODES = new Set<string>(ERROR_CODES.filter((c) => c !== 'INTERNAL_SERVER_ERROR'));
const STACK = /"stack"|\bat [^\n"]*\.(?:ts|js|mjs|cjs):\d+|node:internal|\/src\/|\/node_modules\//;

/**
 * What every answer must be, whatever was sent: never a 5xx, never a stack trace or a source path,
 * and a tRPC body whose error codes are the SPEC's with their HTTP statuses. Returns the error
 * envelopes found (one per call of a batch).
 */
export function expectWellFormedAnswer(r: WireResult, label: string): TrpcEnvelope[] {
  expect(r.status, `${label}: ${r.text.slice(0, 300)}`).toBeLessThan(500);
  expect(r.json, `${label}: body is not JSON: ${r.text.slice(0, 200)}`).toBeDefined();
  const envelopes = (Array.isArray(r.json) ? r.json : [r.json]) as TrpcEnvelope[];
  for (const env of envelopes) {
    expect(env !== null && typeof env === 'object', `${label}: not a tRPC envelope`).toBe(true);
    const hasResult = 'result' in env;
    const hasError = 'error' in env;
    expect(hasResult !== hasError, `${label}: neither or both of result and error`).toBe(true);
    if (env.error) {
      // Only errors: a result may echo anything the client stored.
      expect(JSON.stringify(env.error), `${label}: stack trace or source path`).not.toMatch(STACK);
      const { code, httpStatus } = env.error.data ?? {};
      expect(SPEC_CODES.has(code), `${label}: ${code} is not a SPEC error code`).toBe(true);
      expect(httpStatus, `${label}: ${code} with HTTP ${httpStatus}`).toBe(
        HTTP_STATUS[code as keyof typeof HTTP_STATUS],
      );
      expect(typeof env.error.message, label).toBe('string');
    }
  }
  if (!Array.isArray(r.json)) {
    const only = envelopes[0]!;
    expect(r.status, label).toBe(only.error ? only.error.data.httpStatus : 200);
  }
  return envelopes;
}

/** `CODE` or `CODE/reason`, or `OK`. */
export function outcomeOf(r: WireResult): string {
  const env = r.json as TrpcEnvelope | undefined;
  if (r.status === 200 && env?.result) return 'OK';
  const data = env?.error?.data;
  if (!data) return `HTTP ${r.status}`;
  return data.reason ? `${data.code}/${data.reason}` : data.code;
}

/** A request as the Wire sends it, written out as raw HTTP/1.1 bytes (for cutting it anywhere). */
export async function rawHttp(
  baseUrl: string,
  req: { method?: string; path: string; headers?: Record<string, string>; body?: string | Blob },
  extraHeaderLines: string[] = [],
): Promise<Buffer> {
  const body =
    req.body === undefined
      ? Buffer.alloc(0)
      : typeof req.body === 'string'
        ? Buffer.from(req.body, 'utf8')
        : Buffer.from(await req.body.arrayBuffer());
  const headers = { 'x-forwarded-for': randomIp(), ...req.headers };
  const lines = [
    `${req.method ?? 'GET'} /trpc/${req.path} HTTP/1.1`,
    `Host: ${new URL(baseUrl).host}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...extraHeaderLines,
    ...(req.body === undefined ? [] : [`Content-Length: ${body.length}`]),
    'Connection: close',
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** Sends raw bytes and reads the whole answer (the connection is closed after it). */
export function rawExchange(baseUrl: string, bytes: Buffer): Promise<WireResult> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const headLines = all.slice(0, split).split('\r\n');
      const headers = new Headers();
      for (const line of headLines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      let text = all.slice(split + 4);
      if (headers.get('transfer-encoding') === 'chunked') {
        let out = '';
        for (;;) {
          const eol = text.indexOf('\r\n');
          const size = Number.parseInt(text.slice(0, eol), 16);
          if (!size) break;
          out += text.slice(eol + 2, eol + 2 + size);
          text = text.slice(eol + 2 + size + 2);
        }
        text = out;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(headLines[0]?.split(' ')[1]), headers, text, json });
    });
    socket.end(bytes);
  });
}

/** Writes the first `cut` bytes, then drops the connection without a goodbye. */
export function cutAndVanish(baseUrl: string, bytes: Buffer, cut: number): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(bytes.subarray(0, cut), () => {
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 2);
      });
    });
    socket.on('error', () => resolve());
  });
}
