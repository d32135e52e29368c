import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeOf, randomIp, Wire, type WireResult } from '../security/wire';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { PASSWORD, uniqueEmail } from './account-helpers';

/**
 * SPEC §9 "Sessions": a signed-in session is rate limited like a key —
 * `KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE` calls a minute, the same X-RateLimit-* headers, and past
 * the budget 429 `rate_limited` with Retry-After. Here the budget is 5, so a handful of calls shows it.
 */

const LIMIT = 5;
let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let wire: Wire;

beforeAll(async () => {
  app = await createTestApp({
    env: { KEYHOLE_TRUST_PROXY: '1', KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: String(LIMIT) },
  });
  server = await startTestServer(app);
  wire = new Wire(server.url);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

const cookieOf = (r: WireResult) => r.headers.getSetCookie()[0]!.split(';')[0]!;

async function signUp() {
  const email = uniqueEmail('session-limit');
  const r = await wire.mutation('auth.signUp', { orgName: 'Limits', name: 'Lim', email, password: PASSWORD });
  expect(outcomeOf(r)).toBe('OK');
  return { email, cookie: cookieOf(r) };
}

const rateHeaders = (r: WireResult) => ({
  limit: r.headers.get('x-ratelimit-limit'),
  remaining: r.headers.get('x-ratelimit-remaining'),
  reset: r.headers.get('x-ratelimit-reset'),
});

describe('session rate limit', () => {
  it(`answers ${LIMIT} calls a minute with X-RateLimit-* headers, then 429 rate_limited with Retry-After`, async () => {
    const { cookie } = await signUp();
    const calls = [
      () => wire.query('org.get', undefined, { cookie }),
      () => wire.query('meetings.list', {}, { cookie }),
      () => wire.query('members.list', undefined, { cookie }),
      () => wire.query('auth.me', undefined, { cookie }),
      () => wire.query('org.get', undefined, { cookie }),
    ];
    for (const [i, call] of calls.entries()) {
      const r = await call();
      expect(outcomeOf(r), `call ${i}`).toBe('OK');
      const h = rateHeaders(r);
      expect(h.limit).toBe(String(LIMIT));
      expect(h.remaining).toBe(String(LIMIT - 1 - i));
      expect(Number(h.reset)).toBeGreaterThanOrEqual(0);
      expect(Number(h.reset)).toBeLessThanOrEqual(60);
    }
    for (const call of [calls[0]!, calls[1]!]) {
      const limited = await call();
      expect(outcomeOf(limited)).toBe('TOO_MANY_REQUESTS/rate_limited');
      expect(rateHeaders(limited).remaining).toBe('0');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    }
  });

  it('counts every call of a batch, and refuses those past the budget', async () => {
    const { cookie } = await signUp();
    const r = await wire.send({
      path: `org.get,org.get,org.get,org.get,org.get,org.get,org.get?batch=1&input=${encodeURIComponent('{}')}`,
      headers: { cookie },
    });
    const envelopes = r.json as { result?: unknown; error?: { data: { reason?: string } } }[];
    expect(envelopes.filter((e) => e.result)).toHaveLength(LIMIT);
    expect(envelopes.filter((e) => e.error?.data.reason === 'rate_limited')).toHaveLength(7 - LIMIT);
    expect(rateHeaders(r).remaining).toBe('0');
  });

  it('is per user: signing in again does not buy a fresh budget; another user is not affected', async () => {
    const { email, cookie } = await signUp();
    for (let i = 0; i < LIMIT; i++) await wire.query('org.get', undefined, { cookie });
    const again = await wire.mutation('auth.signIn', { email, password: PASSWORD });
    expect(outcomeOf(again)).toBe('OK');
    expect(outcomeOf(await wire.query('org.get', undefined, { cookie: cookieOf(again) }))).toBe(
      'TOO_MANY_REQUESTS/rate_limited',
    );
    const other = await signUp();
    expect(outcomeOf(await wire.query('org.get', undefined, { cookie: other.cookie }))).toBe('OK');
  });

  it('signing out still works past the budget, and calls without a session spend nothing', async () => {
    const { cookie } = await signUp();
    for (let i = 0; i < LIMIT; i++) await wire.query('org.get', undefined, { cookie });
    expect(outcomeOf(await wire.query('org.get', undefined, { cookie }))).toBe(
      'TOO_MANY_REQUESTS/rate_limited',
    );
    expect(outcomeOf(await wire.mutation('auth.signOut', undefined, { cookie }))).toBe('OK');
    const anonymous = await wire.query('auth.me', undefined, { 'x-forwarded-for': randomIp() });
    expect(outcomeOf(anonymous)).toBe('OK');
    expect(anonymous.headers.get('x-ratelimit-limit')).toBeNull();
  });
});
