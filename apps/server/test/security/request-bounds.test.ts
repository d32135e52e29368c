import { meetings } from '@keyhole/api/internal/db/schema';
import { RequestAbandonedError } from '@keyhole/api/internal/lib/request-abandoned';
import { appRouter } from '@keyhole/api/internal/routers/app-router';
import { createContextInner } from '@keyhole/api/internal/trpc/context';
import { createCallerFactory } from '@keyhole/api/internal/trpc/trpc';
import { generateKey } from '@keyhole/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/http-server';
import { createKeyFor } from '../support/keys';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { sessionCookieHeader, sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { randomIp, rawExchange } from './wire';

/**
 * SPEC §9's transport bounds over real sockets: keys anywhere in the URL, several Authorization
 * headers, the batch cap on both paths, body and answer sizes, the order of refusals, the request
 * deadline, the read gate's bounded queue, and mutations whose request was abandoned.
 */

let app: TestApp;
let fast: Awaited<ReturnType<typeof startHttpServer>>;
let stock: Awaited<ReturnType<typeof startHttpServer>>;
let keyString: string;
let cookie: string;
let memberId: string;
let orgId: string;

beforeAll(async () => {
  app = await createTestApp({
    env: {
      KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_RATE_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_LOG_LEVEL: 'info',
    },
  });
  fast = await startHttpServer(app.deps, { host: '127.0.0.1', port: 0, adapter: 'fast' });
  stock = await startHttpServer(app.deps, { host: '127.0.0.1', port: 0, adapter: 'stock' });
  const org = await seedOrg(app.deps.db);
  orgId = org.id;
  const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
  const member = await seedUser(app.deps.db, { orgId: org.id, role: 'member' });
  memberId = member.id;
  keyString = (await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' })).keyString;
  cookie = await sessionCookieHeader(app, member.id);
});
afterAll(async () => {
  await fast?.close();
  await stock?.close();
  await app?.close();
});

/** One raw HTTP/1.1 exchange (the text as bytes), answered in full. */
const raw = (url: string, text: string) => rawExchange(url, Buffer.from(text, 'latin1'));

const createCaller = createCallerFactory(appRouter);

const reasonOf = (body: string) =>
  (JSON.parse(body) as { error: { data: { reason?: string } } }).error.data.reason;

describe('keys in the URL (SPEC §9)', () => {
  it('refuses a key in the path, in path parameters, as a query name or value, raw or encoded, and never logs it', async () => {
    const [, secret] = keyString.split(':') as [string, string];
    const urls = [
      `/trpc/whoami/${keyString}`,
      `/trpc/whoami/${secret}`,
      `/trpc/whoami;api_key=${keyString}`,
      `/trpc/whoami?${encodeURIComponent(keyString)}=1`,
      `/trpc/whoami?${secret}`,
      `/trpc/whoami?input=${encodeURIComponent(JSON.stringify({ note: keyString }))}`,
      `/trpc/whoami?x=${keyString.replace(':', '%3A')}`,
      `/trpc/whoami?Access_Token=abc`,
      `/${keyString}`,
      `/assets/${secret}.js`,
    ];
    for (const server of [fast, stock]) {
      for (const path of urls) {
        const res = await fetch(`${server.url}${path}`, {
          headers: { authorization: `Bearer ${keyString}` },
        });
        const body = await res.text();
        expect(res.status, path).toBe(400);
        expect(reasonOf(body), path).toBe('key_in_url');
        expect(body).not.toContain(secret);
      }
    }
    expect(app.logs.text()).not.toContain(secret);
  });

  it('does not refuse key-like text whose checksum fails, nor cursors and meeting text', async () => {
    const [, secret] = generateKey().keyString.split(':') as [string, string];
    const broken = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    const res = await fetch(
      `${fast.url}/trpc/meetings.list?input=${encodeURIComponent(JSON.stringify({ cursor: broken }))}`,
      { headers: { authorization: `Bearer ${keyString}` } },
    );
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(reasonOf(body)).toBe('invalid_cursor');
  });
});

describe('several Authorization headers', () => {
  it('are refused whatever they hold, on both paths', async () => {
    for (const server of [fast, stock]) {
      const r = await raw(
        server.url,
        `GET /trpc/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keyString}\r\nAuthorization: Bearer nope:nope\r\nConnection: close\r\n\r\n`,
      );
      expect(r.status).toBe(400);
      expect(reasonOf(r.text)).toBe('duplicate_authorization');
    }
  });
});

describe('the order of refusals', () => {
  const many = (n: number) => Array.from({ length: n }, () => 'whoami').join(',');

  it('size, then key in URL, then duplicate Authorization, then batch size, then credentials, then input', async () => {
    const s = fast.url;
    const dup = `Authorization: Bearer nope:nope\r\nAuthorization: Bearer x:y\r\n`;
    // Oversized and a key in the URL: the size wins.
    let r = await raw(
      s,
      `POST /trpc/whoami?k=${keyString} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n`,
    );
    expect(r.status).toBe(413);
    // A key in the URL and two Authorization headers: the key wins.
    r = await raw(
      s,
      `GET /trpc/whoami?k=${keyString} HTTP/1.1\r\nHost: x\r\n${dup}Connection: close\r\n\r\n`,
    );
    expect(reasonOf(r.text)).toBe('key_in_url');
    // Two Authorization headers and a batch too large: the headers win.
    r = await raw(s, `GET /trpc/${many(30)}?batch=1 HTTP/1.1\r\nHost: x\r\n${dup}Connection: close\r\n\r\n`);
    expect(reasonOf(r.text)).toBe('duplicate_authorization');
    // A batch too large with a bad key: the batch wins, and nothing is charged to anyone.
    r = await raw(
      s,
      `GET /trpc/${many(30)}?batch=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope:nope\r\nConnection: close\r\n\r\n`,
    );
    expect(reasonOf(r.text)).toBe('batch_too_large');
    // A bad key with bad input: the key wins.
    const res = await fetch(`${s}/trpc/meetings.list?input=%7B%22limit%22%3A%22x%22%7D`, {
      headers: { authorization: 'Bearer nope:nope', 'x-forwarded-for': randomIp() },
    });
    expect(reasonOf(await res.text())).toBe('invalid_key');
  });

  it('caps batches on the stock adapter and on the streaming path too', async () => {
    for (const [server, headers] of [
      [stock, {}],
      [fast, { 'trpc-accept': 'application/jsonl' }],
    ] as const) {
      const res = await fetch(`${server.url}/trpc/${many(26)}?batch=1`, {
        headers: { authorization: `Bearer ${keyString}`, ...headers },
      });
      expect(res.status).toBe(400);
      expect(reasonOf(await res.text())).toBe('batch_too_large');
      const ok = await fetch(`${server.url}/trpc/${many(25)}?batch=1`, {
        headers: { authorization: `Bearer ${keyString}` },
      });
      expect(ok.status).toBe(200);
    }
  });
});

describe('bodies and answers', () => {
  it('refuses bodies over 1 MiB, declared or chunked, with 413', async () => {
    const big = JSON.stringify({ subject: 'x'.repeat(1024 * 1024 + 10) });
    for (const server of [fast, stock]) {
      const declared = await fetch(`${server.url}/trpc/meetings.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: big,
      });
      expect(declared.status).toBe(413);
      const chunked = await raw(
        server.url,
        `POST /trpc/meetings.create HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${Buffer.byteLength(big).toString(16)}\r\n${big}\r\n0\r\n\r\n`,
      );
      expect(chunked.status).toBe(413);
    }
  });

  it('refuses a batch whose answer would pass 16 MiB as a whole (413 response_too_large), and serves the same pages one by one', async () => {
    const host = await seedUser(app.deps.db, { orgId, role: 'member' });
    const email = (i: number) =>
      `${`a${i}`.padEnd(64, 'x')}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`;
    for (let m = 0; m < 8; m++) {
      await seedMeeting(app.deps.db, {
        orgId,
        hostId: host.id,
        subject: 's'.repeat(300),
        attendees: Array.from({ length: 200 }, (_, i) => ({
          email: email(i),
          name: 'n'.repeat(200),
          userId: null,
        })),
      });
    }
    const hostCookie = await sessionCookieHeader(app, host.id);
    const calls = Array.from({ length: 25 }, () => 'meetings.list').join(',');
    const res = await fetch(`${fast.url}/trpc/${calls}?batch=1&input=%7B%7D`, {
      headers: { cookie: hostCookie },
    });
    const body = await res.text();
    expect(res.status).toBe(413);
    expect(reasonOf(body)).toBe('response_too_large');
    const one = await fetch(`${fast.url}/trpc/meetings.list?input=%7B%7D`, {
      headers: { cookie: hostCookie },
    });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { result: { data: { items: unknown[] } } }).result.data.items).toHaveLength(
      8,
    );
  });

  it('marks every API answer no-store and nosniff, refusals included', async () => {
    for (const path of ['/trpc/health', '/trpc/whoami', '/trpc/whoami?api_key=1', '/trpc/nope']) {
      const res = await fetch(`${fast.url}${path}`);
      await res.text();
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('deadlines and the read queue', () => {
  it('a read still queued when the deadline passes is answered 408 and leaves the queue', async () => {
    const config = app.deps.config as { requestTimeoutMs: number };
    const before = config.requestTimeoutMs;
    config.requestTimeoutMs = 400;
    const gate = app.deps.readGate;
    let release!: () => void;
    const hold = gate.run(gate.opts.capacity, undefined, () => new Promise<void>((r) => (release = r)));
    try {
      const started = Date.now();
      const res = await fetch(`${fast.url}/trpc/meetings.list`, { headers: { cookie } });
      const body = await res.text();
      expect(res.status).toBe(408);
      expect(reasonOf(body)).toBe('request_timeout');
      expect(Date.now() - started).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 50));
      expect(gate.waiting).toBe(0);
    } finally {
      config.requestTimeoutMs = before;
      release();
      await hold;
    }
  });

  it('beyond the bounded queue, reads are refused at once with 429 server_busy and Retry-After', async () => {
    const gate = app.deps.readGate;
    let release!: () => void;
    const blocker = new Promise<void>((r) => (release = r));
    const hold = gate.run(gate.opts.capacity, undefined, () => blocker);
    const queued = Array.from({ length: gate.opts.maxWaiting }, () =>
      gate.run(1, undefined, async () => undefined).catch(() => undefined),
    );
    try {
      const res = await fetch(
        `${fast.url}/trpc/meetings.get?input=%7B%22id%22%3A%2200000000-0000-4000-8000-000000000000%22%7D`,
        {
          headers: { cookie },
        },
      );
      const body = await res.text();
      expect(res.status).toBe(429);
      expect(reasonOf(body)).toBe('server_busy');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      release();
      await hold;
      await Promise.all(queued);
    }
  });
});

describe('abandoned mutations', () => {
  it('a mutation whose request was abandoned before commit is rolled back', async () => {
    const req = await sessionRequest(app, memberId);
    const gone = new AbortController();
    gone.abort();
    const subject = `abandoned ${Date.now()}`;
    await expect(
      createCaller(createContextInner({ deps: app.deps, req, signal: gone.signal })).meetings.create({
        subject,
        startAt: '2026-03-01T10:00:00Z',
        endAt: '2026-03-01T11:00:00Z',
      }),
    ).rejects.toSatisfy((err: { cause?: unknown }) => err.cause instanceof RequestAbandonedError);
    const rows = await app.deps.db.select({ subject: meetings.subject }).from(meetings);
    expect(rows.map((r) => r.subject)).not.toContain(subject);
    // The same call with its client still there commits.
    const kept = await app.caller(req).meetings.create({
      subject,
      startAt: '2026-03-01T10:00:00Z',
      endAt: '2026-03-01T11:00:00Z',
    });
    expect(kept.subject).toBe(subject);
  });
});
