import { randomInt } from 'node:crypto';
import { users } from '@keyhole/api/internal/db/schema';
import type { ManualClock } from '@keyhole/api/internal/lib/clock';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import { generateKey } from '@keyhole/core';
import { trpcRequest } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor } from '../support/keys';
import { seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { expectNoSecretsIn, newOrgWithAdmin } from './key-test-helpers';

const AUTH_FAIL_LIMIT = 6;
let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
const minted = new Set<string>();

beforeAll(async () => {
  app = await createTestApp({
    env: {
      KEYHOLE_LOG_LEVEL: 'trace',
      KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: String(AUTH_FAIL_LIMIT),
      // Each test sends from addresses of its own (X-Forwarded-For), since failure counters are per IP.
      KEYHOLE_TRUST_PROXY: '1',
    },
  });
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

interface ErrorBody {
  error: { message: string; data: { code: string; httpStatus: number; reason?: string } };
}

async function call(
  path: string,
  opts: {
    authorization?: string;
    ip?: string;
    method?: 'GET' | 'POST';
    body?: unknown;
    cookie?: string;
  } = {},
) {
  const res = await trpcRequest(server.url, {
    path,
    method: opts.method ?? 'GET',
    ip: opts.ip ?? uniqueIp(),
    authorization: opts.authorization,
    cookie: opts.cookie,
    ...(opts.body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(opts.body) }),
  });
  return { res, text: res.text, json: JSON.parse(res.text) as unknown };
}

async function newKey(extra: { rateLimitPerMinute?: number } = {}) {
  const { org, admin } = await newOrgWithAdmin(app);
  const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited', ...extra });
  minted.add(key.keyString);
  return { org, admin, key };
}

const bearer = (keyString: string) => `Bearer ${keyString}`;
const basic = (keyString: string) => `Basic ${Buffer.from(keyString).toString('base64')}`;

function expectRateHeaders(res: { headers: Headers }, limit: number, remaining: number) {
  expect(res.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
  const reset = Number(res.headers.get('x-ratelimit-reset'));
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThanOrEqual(0);
  expect(reset).toBeLessThanOrEqual(60);
}

describe('keys over HTTP', () => {
  it('Bearer and Basic both authenticate whoami, with the rate-limit headers', async () => {
    const { org, key } = await newKey({ rateLimitPerMinute: 50 });
    const viaBearer = await call('whoami', { authorization: bearer(key.keyString) });
    expect(viaBearer.res.status).toBe(200);
    expect(viaBearer.json).toEqual({
      result: {
        data: {
          key: { id: key.id, name: 'Test org_limited key', scope: 'org_limited', clientKey: key.clientKey },
          org: { id: org.id, name: org.name },
          issuedTo: null,
        },
      },
    });
    expectRateHeaders(viaBearer.res, 50, 49);
    const viaBasic = await call('whoami', { authorization: basic(key.keyString) });
    expect(viaBasic.res.status).toBe(200);
    expectRateHeaders(viaBasic.res, 50, 48);
    const sloppy = await call('whoami', {
      authorization: `  bAsIc   ${Buffer.from(key.keyString).toString('base64')} `,
    });
    expect(sloppy.res.status).toBe(200);
  });

  it('malformed headers are 401 invalid_key, without rate-limit headers or stack traces', async () => {
    const { key } = await newKey();
    for (const authorization of [
      '',
      'Bearer',
      `Token ${key.keyString}`,
      `Basic ${Buffer.from(key.clientKey).toString('base64')}`,
      'Basic ***',
      `Bearer ${key.keyString.slice(0, -3)}`,
      `Bearer ${'x'.repeat(2000)}:y`,
    ]) {
      const { res, json, text } = await call('whoami', { authorization });
      expect(res.status, authorization.slice(0, 20)).toBe(401);
      expect((json as ErrorBody).error.data).toMatchObject({ code: 'UNAUTHORIZED', reason: 'invalid_key' });
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
      expect(text).not.toMatch(/stack|\.ts:\d+/);
    }
  });

  it('an expired key is 401 key_expired; a deactivated user 403 key_user_deactivated', async () => {
    const { org, admin } = await newOrgWithAdmin(app);
    const soon = new Date(app.clock.now().getTime() + 60_000);
    const expiring = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full', expiresAt: soon });
    minted.add(expiring.keyString);
    (app.clock as ManualClock).advance(60_000);
    const expired = await call('whoami', { authorization: bearer(expiring.keyString) });
    expect(expired.res.status).toBe(401);
    expect((expired.json as ErrorBody).error.data.reason).toBe('key_expired');
    const member = await seedUser(app.deps.db, { orgId: org.id });
    const userKey = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'user_limited',
      issuedToUserId: member.id,
    });
    minted.add(userKey.keyString);
    expect((await call('whoami', { authorization: bearer(userKey.keyString) })).res.status).toBe(200);
    await app.deps.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, member.id));
    await app.deps.changes.publish({ kind: 'user', id: member.id });
    const refused = await call('whoami', { authorization: basic(userKey.keyString) });
    expect(refused.res.status).toBe(403);
    expect((refused.json as ErrorBody).error.data).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'key_user_deactivated',
    });
  });

  it('refuses a key in the query string with 400 key_in_url and never logs it', async () => {
    const { key } = await newKey();
    const input = encodeURIComponent(JSON.stringify({ note: key.keyString }));
    for (const query of [
      `api_key=${encodeURIComponent(key.keyString)}`,
      `ACCESS_TOKEN=${encodeURIComponent(key.keyString)}`,
      `input=${input}`,
      `x=${key.keyString}`,
    ]) {
      const { res, json } = await call(`whoami?${query}`, { authorization: bearer(key.keyString) });
      expect(res.status).toBe(400);
      expect((json as ErrorBody).error.data).toMatchObject({ code: 'BAD_REQUEST', reason: 'key_in_url' });
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
    await new Promise((r) => setTimeout(r, 20));
    expectNoSecretsIn(app.logs.text(), [key.keyString]);
  });

  it('rate-limit headers ride on every response to a valid key, errors included', async () => {
    const { key } = await newKey({ rateLimitPerMinute: 100 });
    const auth = bearer(key.keyString);
    const forbidden = await call('keys.list', { authorization: auth });
    expect(forbidden.res.status).toBe(403);
    expectRateHeaders(forbidden.res, 100, 99);
    const badInput = await call('keys.rename', { authorization: auth, method: 'POST', body: { id: 1 } });
    expect(badInput.res.status).toBe(403);
    expectRateHeaders(badInput.res, 100, 98);
    const ok = await call('whoami', { authorization: auth });
    expectRateHeaders(ok.res, 100, 97);
  });

  it('past the budget: 429 TOO_MANY_REQUESTS rate_limited with Retry-After in whole seconds', async () => {
    const { key } = await newKey({ rateLimitPerMinute: 2 });
    const auth = bearer(key.keyString);
    expect((await call('whoami', { authorization: auth })).res.status).toBe(200);
    expect((await call('whoami', { authorization: auth })).res.status).toBe(200);
    const { res, json } = await call('whoami', { authorization: auth });
    expect(res.status).toBe(429);
    expect((json as ErrorBody).error.data).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      reason: 'rate_limited',
    });
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expectRateHeaders(res, 2, 0);
    // Another key of the same org has its own budget.
    const { admin } = await newOrgWithAdmin(app);
    const other = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
    minted.add(other.keyString);
    expect((await call('whoami', { authorization: bearer(other.keyString) })).res.status).toBe(200);
  });

  it('a batch of five calls counts five', async () => {
    const { key } = await newKey({ rateLimitPerMinute: 20 });
    const auth = bearer(key.keyString);
    const batch = await call('whoami,whoami,whoami,whoami,whoami?batch=1', { authorization: auth });
    expect(batch.res.status).toBe(200);
    expect(batch.json).toHaveLength(5);
    expectRateHeaders(batch.res, 20, 15);
    const single = await call('whoami', { authorization: auth });
    expectRateHeaders(single.res, 20, 14);
  });

  it('a batch crossing the budget answers the calls within it and 429s the rest', async () => {
    const { key } = await newKey({ rateLimitPerMinute: 3 });
    const batch = await call('whoami,whoami,whoami,whoami,whoami?batch=1', {
      authorization: bearer(key.keyString),
    });
    const results = batch.json as { result?: unknown; error?: ErrorBody['error'] }[];
    expect(results.filter((r) => r.result)).toHaveLength(3);
    expect(results.filter((r) => r.error?.data.reason === 'rate_limited')).toHaveLength(2);
    expectRateHeaders(batch.res, 3, 0);
    expect(Number(batch.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('failed authentications are limited per IP with 429 and Retry-After, and spend no key budget', async () => {
    const { key } = await newKey({ rateLimitPerMinute: 10 });
    const ip = uniqueIp();
    for (let i = 0; i < AUTH_FAIL_LIMIT; i++) {
      const { res } = await call('whoami', {
        authorization: bearer(`${key.clientKey}:${generateKey().secret}`),
        ip,
      });
      expect(res.status).toBe(401);
    }
    const blocked = await call('whoami', { authorization: bearer(generateKey().keyString), ip });
    expect(blocked.res.status).toBe(429);
    expect((blocked.json as ErrorBody).error.data.reason).toBe('rate_limited');
    expect(Number(blocked.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const elsewhere = await call('whoami', { authorization: bearer(key.keyString) });
    expect(elsewhere.res.status).toBe(200);
    expectRateHeaders(elsewhere.res, 10, 9);
  });

  it('key procedures work over HTTP with a session cookie, and refuse a key', async () => {
    const { admin, key } = await newKey();
    const cookie = await sessionCookieHeader(app, admin.id);
    const list = await call('keys.list', { cookie });
    expect(list.res.status).toBe(200);
    expect((list.json as { result: { data: { used: number } } }).result.data.used).toBe(1);
    const created = await call('keys.create', {
      cookie,
      method: 'POST',
      body: { name: 'over http', scope: 'org_full' },
    });
    expect(created.res.status).toBe(200);
    const { secret } = (created.json as { result: { data: { secret: string } } }).result.data;
    minted.add(secret);
    expect((await call('whoami', { authorization: bearer(secret) })).res.status).toBe(200);
    const unknownField = await call('keys.create', {
      cookie,
      method: 'POST',
      body: { name: 'x', scope: 'org_full', owner: 'me' },
    });
    expect(unknownField.res.status).toBe(400);
    expect((unknownField.json as ErrorBody).error.message).toContain('owner');
    const byKey = await call('keys.revoke', {
      authorization: bearer(key.keyString),
      method: 'POST',
      body: { id: key.id },
    });
    expect(byKey.res.status).toBe(403);
    expect((byKey.json as ErrorBody).error.data.reason).toBe('session_required');
    const limit = await call('keys.create', {
      cookie,
      method: 'POST',
      body: { name: 'legacy', scope: 'legacy' },
    });
    expect(limit.res.status).toBe(400);
  });

  it('an imported legacy key in a foreign format works over HTTP in both forms', async () => {
    const { org } = await newOrgWithAdmin(app);
    const foreign = `old-${randomInt(1e9)}.client:Zz9-old.secret_${randomInt(1e9)}`;
    minted.add(foreign);
    await importLegacyKey(app.deps, systemActor(org.id), { name: 'Old Zap', keyString: foreign });
    for (const authorization of [bearer(foreign), basic(foreign)]) {
      const { res, json } = await call('whoami', { authorization });
      expect(res.status).toBe(200);
      expect((json as { result: { data: { key: { scope: string } } } }).result.data.key.scope).toBe('legacy');
    }
  });
});

describe('log hygiene', () => {
  it('no log line of this file holds any secret minted in it (trace level, every request logged)', async () => {
    await new Promise((r) => setTimeout(r, 50));
    expect(app.logs.lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(40);
    expect(minted.size).toBeGreaterThan(10);
    expectNoSecretsIn(app.logs.text(), minted);
  });
});
