import { appRouter } from '@keyhole/api/internal/routers/app-router';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/http-server';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The lean tRPC path must answer exactly as the stock adapter does. One app, two servers (fast and
 * stock); every request of the corpus goes to both and status, body and content headers must match.
 */

let app: TestApp;
let fast: Awaited<ReturnType<typeof startHttpServer>>;
let stock: Awaited<ReturnType<typeof startHttpServer>>;

beforeAll(async () => {
  app = await createTestApp();
  fast = await startHttpServer(app.deps, { host: '127.0.0.1', port: 0, adapter: 'fast' });
  stock = await startHttpServer(app.deps, { host: '127.0.0.1', port: 0, adapter: 'stock' });
});
afterAll(async () => {
  await fast?.close();
  await stock?.close();
  await app?.close();
});

interface Req {
  method: 'GET' | 'POST' | 'PUT' | 'HEAD';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
).map(([path, p]) => ({ path, type: p._def.type }));
const queries = procedures.filter((p) => p.type === 'query').map((p) => p.path);
const mutations = procedures.filter((p) => p.type === 'mutation').map((p) => p.path);

const INPUTS = [
  undefined,
  '{}',
  '{"id":"x"}',
  '{"nope":1}',
  'null',
  '[]',
  '"str"',
  '{bad json',
  '{"limit":0}',
  '',
];

function corpus(): Req[] {
  const out: Req[] = [];
  const q = (input: string | undefined) => (input === undefined ? '' : `?input=${encodeURIComponent(input)}`);
  for (const path of [...queries, ...mutations, 'nope', 'auth.nope', '', 'a%ZZ']) {
    for (const input of INPUTS) {
      out.push({ method: 'GET', path: `/trpc/${path}${q(input)}` });
      if (input !== undefined) {
        out.push({
          method: 'POST',
          path: `/trpc/${path}`,
          headers: { 'content-type': 'application/json' },
          body: input,
        });
      }
    }
    out.push({ method: 'POST', path: `/trpc/${path}`, body: '{}' });
    out.push({
      method: 'POST',
      path: `/trpc/${path}`,
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    out.push({
      method: 'PUT',
      path: `/trpc/${path}`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  }
  const two = [...queries, 'nope'].slice(0, 3).join(',');
  for (const input of [undefined, '{}', '{"0":{},"1":null}', '[]', '"x"', '{bad']) {
    out.push({
      method: 'GET',
      path: `/trpc/${two}?batch=1${input === undefined ? '' : `&input=${encodeURIComponent(input)}`}`,
    });
  }
  if (mutations.length > 0) {
    const mix = `${queries[0]},${mutations[0]}`;
    out.push({ method: 'GET', path: `/trpc/${mix}?batch=1` });
    out.push({
      method: 'POST',
      path: `/trpc/${mix}?batch=1`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    out.push({
      method: 'POST',
      path: `/trpc/${mutations.slice(0, 2).join(',')}?batch=1`,
      headers: { 'content-type': 'application/json' },
      body: '{"0":{"bogus":true},"1":{}}',
    });
  }
  out.push({
    method: 'GET',
    path: '/trpc/health?batch=1&input=%7B%7D',
    headers: { 'trpc-accept': 'application/jsonl' },
  });
  out.push({ method: 'GET', path: '/trpc/health', headers: { authorization: 'Bearer kh_x:khs_y' } });
  return out;
}

async function send(base: string, r: Req) {
  const res = await fetch(`${base}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Compared as text.
  }
  return {
    status: res.status,
    body,
    contentType: res.headers.get('content-type'),
    vary: res.headers.get('vary'),
    rateLimit: res.headers.get('x-ratelimit-limit'),
    retryAfter: res.headers.get('retry-after') !== null,
  };
}

describe('fast tRPC path', () => {
  it('answers the whole corpus exactly as the stock adapter', async () => {
    const requests = corpus();
    for (const r of requests) {
      const [a, b] = [await send(stock.url, r), await send(fast.url, r)];
      expect({ request: r, ...b }).toEqual({ request: r, ...a });
    }
    expect(requests.length).toBeGreaterThan(100);
  });

  it('matches the stock adapter on random paths, batches and inputs', async () => {
    const pathArb = fc.oneof(
      fc.constantFrom(...procedures.map((p) => p.path), 'x', ''),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(pathArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
        fc.option(fc.oneof(fc.json(), fc.string({ maxLength: 40 })), { nil: undefined }),
        async (paths, batch, method, input) => {
          const path = `/trpc/${paths.map(encodeURIComponent).join(batch ? ',' : '')}`;
          const query = [
            batch ? 'batch=1' : '',
            method === 'GET' && input !== undefined ? `input=${encodeURIComponent(input)}` : '',
          ]
            .filter(Boolean)
            .join('&');
          const r: Req = {
            method,
            path: `${path}${query ? `?${query}` : ''}`,
            ...(method === 'POST'
              ? { headers: { 'content-type': 'application/json' }, body: input ?? '' }
              : {}),
          };
          const [a, b] = [await send(stock.url, r), await send(fast.url, r)];
          expect({ request: r, ...b }).toEqual({ request: r, ...a });
        },
      ),
      { numRuns: 150 },
    );
  });
});
