import { connect } from 'node:net';
import { hashPassword } from '@keyhole/api/internal/lib/password';
import { generateKey } from '@keyhole/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor } from '../support/keys';
import { seedOrg, seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { tableFingerprint } from './db-fingerprint';
import { expectNoSecretsLeaked } from './secret-hygiene';
import { expectWellFormedAnswer, outcomeOf, Wire } from './wire';

/**
 * Hostile transport: malformed `Authorization` headers (fixed and generated), requests node:http
 * cannot parse, oversized requests and abusive batches. Always a SPEC error code in a tRPC body,
 * never a 5xx or a stack; a bad header is refused even beside a good session cookie.
 */

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let wire: Wire;
let keyString: string;
let cookie: string;
const minted = new Set<string>();

beforeAll(async () => {
  app = await createTestApp({
    env: {
      KEYHOLE_TRUST_PROXY: '1',
      KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_RATE_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_SIGNIN_LIMIT_PER_MINUTE: '1000',
      KEYHOLE_LOG_LEVEL: 'trace',
    },
  });
  server = await startTestServer(app);
  wire = new Wire(server.url);
  const org = await seedOrg(app.deps.db);
  const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
  const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
  keyString = key.keyString;
  minted.add(keyString);
  cookie = await sessionCookieHeader(app, admin.id);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

function malformedHeaders(): Record<string, string> {
  const [client, secret] = keyString.split(':') as [string, string];
  const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
  return {
    empty: '',
    'scheme only': 'Bearer',
    'scheme and spaces': 'Bearer    ',
    'wrong scheme': `Token ${keyString}`,
    'digest scheme': `Digest username="${client}"`,
    'no colon': `Bearer ${client}${secret}`,
    'colon only': 'Bearer :',
    'empty secret': `Bearer ${client}:`,
    'empty client key': `Bearer :${secret}`,
    'three parts': `Bearer ${keyString}:extra`,
    'bad base64': 'Basic ***not-base64***',
    'base64 without colon': `Basic ${b64(client + secret)}`,
    'base64 with bad padding': `Basic ${b64(keyString).replace(/=*$/, '===')}`,
    'base64 of latin1 garbage': `Basic ${b64('\xff\xfe:\xe9\xe8')}`,
    'truncated key': `Bearer ${keyString.slice(0, -5)}`,
    'truncated client key': `Bearer ${client.slice(0, -1)}:${secret}`,
    'broken checksum': `Bearer ${client}:${flipped}`,
    'one extra character': `Bearer ${keyString}x`,
    'unknown key, valid checksum': `Bearer ${generateKey().keyString}`,
    'right secret, other client key': `Bearer ${generateKey().clientKey}:${secret}`,
    'Basic with the Bearer form': `Basic ${keyString}`,
    'Bearer with the Basic form': `Bearer ${b64(keyString)}`,
    'two credentials': `Bearer ${keyString} ${keyString}`,
    'latin1 bytes': 'Bearer \xe9\xe8:\xff\xfe',
    'SQL injection': "Bearer kh_x' OR '1'='1:khs_y",
    '10 kB': `Bearer ${'k'.repeat(10_000)}:${'s'.repeat(240)}`,
    '10 kB Basic': `Basic ${'A'.repeat(10_240)}`,
  };
}

describe('malformed Authorization headers', () => {
  it('are 401 invalid_key on every procedure that reads the caller, even beside a valid cookie', async () => {
    const cases = Object.entries(malformedHeaders());
    let checked = 0;
    for (const [label, authorization] of cases) {
      for (const withCookie of [false, true]) {
        const headers = { authorization, ...(withCookie ? { cookie } : {}) };
        for (const [kind, path] of [
          ['query', 'whoami'],
          ['query', 'meetings.list'],
          ['query', 'keys.list'],
          ['query', 'auth.me'],
          ['query', 'org.get'],
          ['mutation', 'auth.signOut'],
          ['mutation', 'keys.create'],
        ] as const) {
          const r =
            kind === 'query'
              ? await wire.query(path, undefined, headers)
              : await wire.mutation(path, { name: 'x', scope: 'org_full' }, headers);
          expectWellFormedAnswer(r, `${label} → ${path}`);
          expect(outcomeOf(r), `${label} → ${path}`).toBe('UNAUTHORIZED/invalid_key');
          expect(r.headers.get('x-ratelimit-limit'), 'no key budget spent').toBeNull();
          checked++;
        }
        // health ignores credentials.
        expect(outcomeOf(await wire.query('health', undefined, headers))).toBe('OK');
      }
    }
    console.log(
      `malformed Authorization headers: ${cases.length} forms × 7 procedures × 2 = ${checked} refusals`,
    );
  });

  it('generated headers (any scheme, any bytes) never get past authentication or cause a 5xx', async () => {
    const header = fc
      .tuple(
        fc.constantFrom('Bearer ', 'Basic ', 'bearer ', 'BASIC ', '', 'Token ', 'Bearer  '),
        fc.oneof(
          fc.string({
            unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
            maxLength: 120,
          }),
          fc.string({
            unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
            maxLength: 40,
          }),
          fc.string({ maxLength: 80 }).map((s) => b64(s)),
          fc
            .tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 60 }))
            .map(([a, b]) => `kh_${a}:khs_${b}`),
        ),
      )
      .map(([scheme, rest]) => (scheme + rest).trim());
    const samples = fc.sample(header, { numRuns: 300 });
    const outcomes = new Set<string>();
    for (const authorization of samples) {
      const r = await wire.query('whoami', undefined, { authorization });
      expectWellFormedAnswer(r, `Authorization: ${authorization.slice(0, 60)}`);
      outcomes.add(outcomeOf(r));
    }
    expect([...outcomes]).toEqual(['UNAUTHORIZED/invalid_key']);
  });
});

function raw(payload: string | Buffer): Promise<string> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => socket.end(payload));
    let out = '';
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

function parseRaw(response: string) {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  return { status, body };
}

describe('requests node:http cannot parse, and oversized ones', () => {
  it.each([
    ['garbage request line', 'GARBAGE\r\n\r\n'],
    ['bad Content-Length', 'POST /trpc/auth.signIn HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    [
      'both Content-Length and chunked',
      'POST /trpc/auth.signIn HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
    ],
    [
      'bad chunk',
      'POST /trpc/auth.signIn HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ],
    ['header without colon', 'GET /trpc/health HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n'],
    ['NUL in a header', 'GET /trpc/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\u0000b\r\n\r\n'],
    ['HTTP/9', 'GET /trpc/health HTTP/9.9\r\nHost: x\r\n\r\n'],
  ])('%s → 400 BAD_REQUEST as JSON', async (_label, payload) => {
    const { status, body } = parseRaw(await raw(payload));
    expect(status).toBe(400);
    expect(JSON.parse(body)).toMatchObject({ error: { data: { code: 'BAD_REQUEST', httpStatus: 400 } } });
  });

  it('a URL or headers past 16 KiB → 413 PAYLOAD_TOO_LARGE as JSON (Node alone would say a bare 431)', async () => {
    const longUrl = await wire.send({
      path: `meetings.list?input=${'%20'.repeat(8000)}`,
      headers: { cookie },
    });
    expect(longUrl.status).toBe(413);
    expectWellFormedAnswer(longUrl, 'long URL');
    expect(outcomeOf(longUrl)).toBe('PAYLOAD_TOO_LARGE');
    const bigHeader = await wire.send({ path: 'health', headers: { 'x-filler': 'a'.repeat(20_000) } });
    expect(outcomeOf(bigHeader)).toBe('PAYLOAD_TOO_LARGE');
    const bigCookie = await wire.send({
      path: 'auth.me',
      headers: { cookie: `keyhole_session=${'c'.repeat(20_000)}` },
    });
    expect(outcomeOf(bigCookie)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a body over 1 MiB → 413, and the refused mutation writes nothing', async () => {
    const before = await tableFingerprint(app);
    const r = await wire.mutation(
      'meetings.create',
      { subject: 'x'.repeat(1_100_000), startAt: '2026-01-01T00:00:00Z', endAt: '2026-01-01T01:00:00Z' },
      { cookie },
    );
    expectWellFormedAnswer(r, 'big body');
    expect(outcomeOf(r)).toBe('PAYLOAD_TOO_LARGE');
    expect(await tableFingerprint(app)).toEqual(before);
  });

  it('the server still answers normally afterwards', async () => {
    expect(outcomeOf(await wire.query('whoami', undefined, { authorization: `Bearer ${keyString}` }))).toBe(
      'OK',
    );
  });
});

describe('batch abuse', () => {
  it('a batch of 1,000 calls is refused before any call runs and spends nothing; one of 25 spends 25', async () => {
    const { org } = { org: await seedOrg(app.deps.db) };
    const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
    const key = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'org_limited',
      rateLimitPerMinute: 30,
    });
    minted.add(key.keyString);
    const huge = await wire.send({
      path: `${Array.from({ length: 1000 }, () => 'whoami').join(',')}?batch=1`,
      headers: { authorization: `Bearer ${key.keyString}` },
    });
    expect(huge.status).toBe(400);
    const refused = huge.json as { error: { message: string; data: { reason: string } } };
    expect(refused.error.data.reason).toBe('batch_too_large');
    expect(refused.error.message).toContain('25');
    expect(huge.headers.get('x-ratelimit-remaining')).toBeNull();
    const r = await wire.send({
      path: `${Array.from({ length: 25 }, () => 'whoami').join(',')}?batch=1`,
      headers: { authorization: `Bearer ${key.keyString}` },
    });
    const envelopes = expectWellFormedAnswer(r, 'batch of 25');
    expect(envelopes).toHaveLength(25);
    expect(envelopes.filter((e) => e.result)).toHaveLength(25);
    expect(r.headers.get('x-ratelimit-remaining')).toBe('5');
  });

  it('a batch of sign-ins answers with one Set-Cookie (it was one per call, more header than clients accept)', async () => {
    const org = await seedOrg(app.deps.db);
    const password = 'batch sign-in password';
    const user = await seedUser(app.deps.db, {
      orgId: org.id,
      passwordHash: await hashPassword(password, app.deps.config.passwordCost),
    });
    // Within the password gate (2 hashing, 16 waiting): a larger batch is refused whole as server_busy.
    const n = 12;
    const input = Object.fromEntries(
      Array.from({ length: n }, (_, i) => [i, { email: user.email, password }]),
    );
    const r = await wire.send({
      method: 'POST',
      path: `${Array.from({ length: n }, () => 'auth.signIn').join(',')}?batch=1`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const envelopes = expectWellFormedAnswer(r, 'batch of sign-ins');
    expect(envelopes).toHaveLength(n);
    const cookies = r.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const session = cookies[0]!.split(';')[0]!;
    const me = await wire.query('auth.me', undefined, { cookie: session });
    expect((me.json as { result: { data: { user: { id: string } } } }).result.data.user.id).toBe(user.id);
  });

  it('batches with broken input maps, mixed kinds and unknown procedures answer each call', async () => {
    const cases: [string, string][] = [
      ['whoami,nope,health?batch=1', '{"0":{},"1":{},"2":{}}'],
      ['whoami,auth.signOut?batch=1', '{}'],
      ['meetings.get,meetings.get?batch=1', '[{"id":"x"},{"id":"y"}]'],
      ['meetings.get?batch=1', '"scalar"'],
      ['meetings.get?batch=1', '{"-1":{"id":"x"},"99":{}}'],
      [',,,?batch=1', '{}'],
      ['whoami?batch=2', '{}'],
    ];
    for (const [path, input] of cases) {
      const r = await wire.send({
        path: `${path}${path.includes('?') ? '&' : '?'}input=${encodeURIComponent(input)}`,
        headers: { authorization: `Bearer ${keyString}` },
      });
      expectWellFormedAnswer(r, `${path} ${input}`);
    }
  });
});

describe('secret hygiene of this file', () => {
  it('no key string in any log line, error body, audit row or table', async () => {
    await app.deps.keyUsage.flush();
    await expectNoSecretsLeaked({
      database: app.database,
      texts: { log: app.logs.lines, 'error body': wire.errorBodies },
      secrets: minted,
      passwords: [],
    });
  });
});
