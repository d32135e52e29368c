import { systemClock } from '@keyhole/api/internal/lib/clock';
import { httpMutation, httpQuery } from '@keyhole/testing/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrgWithAdmin } from '../keys/key-test-helpers';
import { expectNoSecretsLeaked } from '../security/secret-hygiene';
import { randomIp } from '../security/wire';
import { type ApiProcess, startApiProcess } from '../support/api-process';
import { createKeyFor } from '../support/keys';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, isPostgres } from '../support/test-database';

/**
 * Several processes (SPEC §3 propagation, §4 rate limits): two real `keyhole serve` processes on one
 * PostgreSQL (and one Redis when REDIS_URL is set). A revoke or regenerate made through one is
 * honoured by the other within 1 s — measured over many trials, both directions, with the key in
 * the other's cache — and a key's rate budget is shared: N successes in a window across both.
 *
 * Single-shot checks of the other propagation paths (deactivation, org settings, expiry, a lost
 * notice, shutdown usage) are in test/keys/propagation.slow.test.ts.
 */

const TRIALS = 24;
const BUDGET_MS = 1000;

let app: TestApp;
let a: ApiProcess;
let b: ApiProcess;
const minted = new Set<string>();
const measured: Record<'revoke' | 'regenerate', number[]> = { revoke: [], regenerate: [] };

beforeAll(async () => {
  if (!isPostgres()) return;
  const database = await createTestDatabase();
  app = await createTestApp({ database, clock: systemClock });
  // Random client addresses (X-Forwarded-For): the 401s polled for here must not fill the Redis
  // failure counter of 127.0.0.1 that other suites' processes share.
  const env = { KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000', KEYHOLE_TRUST_PROXY: '1' };
  [a, b] = await Promise.all([
    startApiProcess({ name: 'A', databaseUrl: database.url!, env }),
    startApiProcess({ name: 'B', databaseUrl: database.url!, env }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await app?.close();
});

async function whoami(server: ApiProcess, keyString: string) {
  const res = await httpQuery(server.url, 'whoami', undefined, {
    authorization: `Bearer ${keyString}`,
    ip: randomIp(),
  });
  return res.status;
}

async function mutate(server: ApiProcess, path: string, cookie: string, input: unknown) {
  const res = await httpMutation(server.url, path, input, { cookie, ip: randomIp() });
  expect(res.status, res.text).toBe(200);
  return (JSON.parse(res.text) as { result: { data: unknown } }).result.data;
}

/** Polls `until` as fast as the other process answers; the time from `since` to the first yes. */
async function timeUntil(since: number, until: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await until()) return performance.now() - since;
    if (performance.now() - since > BUDGET_MS * 5) throw new Error('not propagated within 5 s');
  }
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const round1 = (ms: number) => Math.round(ms * 10) / 10;

describe.skipIf(!isPostgres())('two API processes on one database', () => {
  it(`revoke on one is honoured by the other within 1 s (${TRIALS} trials, both directions)`, async () => {
    for (let i = 0; i < TRIALS; i++) {
      const [from, to] = i % 2 ? [b, a] : [a, b];
      const { admin } = await newOrgWithAdmin(app);
      const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
      minted.add(key.keyString);
      expect(await whoami(to, key.keyString)).toBe(200);
      expect(await whoami(to, key.keyString)).toBe(200);
      const cookie = await sessionCookieHeader(app, admin.id);
      await mutate(from, 'keys.revoke', cookie, { id: key.id });
      const returned = performance.now();
      expect(await whoami(from, key.keyString), 'the process that revoked, at once').toBe(401);
      const ms = await timeUntil(returned, async () => (await whoami(to, key.keyString)) === 401);
      measured.revoke.push(ms);
      // And it stays refused.
      expect(await whoami(to, key.keyString)).toBe(401);
    }
    expect(Math.max(...measured.revoke)).toBeLessThan(BUDGET_MS);
  });

  it(`regenerate on one is honoured by the other within 1 s (${TRIALS} trials, both directions)`, async () => {
    for (let i = 0; i < TRIALS; i++) {
      const [from, to] = i % 2 ? [b, a] : [a, b];
      const { admin } = await newOrgWithAdmin(app);
      const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' });
      minted.add(key.keyString);
      expect(await whoami(to, key.keyString)).toBe(200);
      const cookie = await sessionCookieHeader(app, admin.id);
      const { secret } = (await mutate(from, 'keys.regenerate', cookie, { id: key.id })) as {
        secret: string;
      };
      minted.add(secret);
      const returned = performance.now();
      expect(await whoami(from, key.keyString), 'old secret on the process that regenerated').toBe(401);
      expect(await whoami(to, secret), 'the new secret works everywhere at once').toBe(200);
      const ms = await timeUntil(returned, async () => (await whoami(to, key.keyString)) === 401);
      measured.regenerate.push(ms);
    }
    expect(Math.max(...measured.regenerate)).toBeLessThan(BUDGET_MS);
    const report = (xs: number[]) =>
      `p50 ${round1(percentile(xs, 50))} ms, max ${round1(Math.max(...xs))} ms`;
    console.log(
      `propagation to the other process over ${TRIALS} trials each: revoke ${report(measured.revoke)}; regenerate ${report(measured.regenerate)}`,
    );
  });

  it.skipIf(!process.env.REDIS_URL)(
    'a key with rateLimitPerMinute N gets exactly N successes summed across both processes',
    async () => {
      const results: string[] = [];
      for (const n of [1, 25, 120]) {
        const { admin } = await newOrgWithAdmin(app);
        const key = await createKeyFor(app, {
          adminUserId: admin.id,
          scope: 'org_limited',
          rateLimitPerMinute: n,
        });
        minted.add(key.keyString);
        // 2N calls, alternating processes, 8 at a time; the key's window starts at its first call.
        const statuses: number[] = [];
        const sent = { next: 0 };
        const worker = async () => {
          while (sent.next < 2 * n + 2) {
            const i = sent.next++;
            statuses.push(await whoami(i % 2 ? b : a, key.keyString));
          }
        };
        await Promise.all(Array.from({ length: 8 }, worker));
        const ok = statuses.filter((s) => s === 200).length;
        const limited = statuses.filter((s) => s === 429).length;
        expect(ok, `N = ${n}`).toBe(n);
        expect(limited).toBe(statuses.length - n);
        results.push(`N=${n}: ${ok} of ${statuses.length}`);
      }
      console.log(`rate limit across two processes (Redis): ${results.join(', ')}`);
    },
  );

  it('no secret in either process’s output, the audit log or any table', async () => {
    await Promise.all([a.stop(), b.stop()]);
    await expectNoSecretsLeaked({
      database: app.database,
      texts: { 'A output': a.output, 'B output': b.output },
      secrets: minted,
      passwords: [],
    });
  });
});
