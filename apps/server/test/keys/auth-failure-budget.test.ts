import { generateKey } from '@keyhole/core';
import { httpQuery } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor } from '../support/keys';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { newOrgWithAdmin } from './key-test-helpers';

/**
 * SPEC §9 "Per-IP failure budgets" (issue 12, finding 7): every credential check that is not a
 * verified-cache hit reserves one unit of the client IP's budget before looking anything up, and
 * gives it back when the credential verifies. A concurrent burst of N wrong secrets costs at most
 * the budget in database look-ups, never N. Over real HTTP, on PGlite and on PostgreSQL + Redis.
 */

const BUDGET = 20;
const BURST = 500;
let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  app = await createTestApp({
    env: {
      KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: String(BUDGET),
      // One trusted hop: each test sends from an address of its own (counters may live in Redis).
      KEYHOLE_TRUST_PROXY: '1',
    },
  });
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

async function whoami(authorization: string, ip: string) {
  const res = await httpQuery(server.url, 'whoami', undefined, { authorization, ip });
  return { status: res.status, reason: res.body.error?.data.reason };
}

/** Counts the statements that look a key up by its client key (authenticate-key's loadKey). */
function countKeyLookups() {
  let n = 0;
  const stop = app.database.onStatement((sql) => {
    if (/from "api_keys"/i.test(sql) && /"client_key" =/i.test(sql)) n++;
  });
  return {
    stop: () => {
      stop();
      return n;
    },
  };
}

const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((acc, s) => {
    acc[s] = (acc[s] ?? 0) + 1;
    return acc;
  }, {});

describe('per-IP failure budget: spent before the look-up, refunded on success', () => {
  it(`${BURST} concurrent wrong secrets for one client key: at most ${BUDGET} look-ups, the rest 429`, async () => {
    const { admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' });
    const ip = uniqueIp();
    // Well-formed secrets with valid checksums: each one passes the pre-check and needs the database.
    const wrong = Array.from({ length: BURST }, () => `Bearer ${key.clientKey}:${generateKey().secret}`);
    const lookups = countKeyLookups();
    const answers = await Promise.all(wrong.map((a) => whoami(a, ip)));
    const looked = lookups.stop();
    const counts = tally(answers.map((a) => a.status));
    console.log(`failure budget: ${BURST} wrong secrets → ${JSON.stringify(counts)}, ${looked} key look-ups`);
    expect(looked).toBeLessThanOrEqual(BUDGET);
    expect(counts[401] ?? 0).toBeLessThanOrEqual(BUDGET);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(BURST);
    expect(answers.filter((a) => a.status === 429).every((a) => a.reason === 'rate_limited')).toBe(true);
  });

  it('checksum failures spend the budget too; once spent, nothing is looked up', async () => {
    const ip = uniqueIp();
    const mistyped = () => {
      const k = generateKey().keyString;
      return `Bearer ${k.slice(0, -1)}${k.endsWith('A') ? 'B' : 'A'}`;
    };
    for (let i = 0; i < BUDGET; i++) expect((await whoami(mistyped(), ip)).status).toBe(401);
    const lookups = countKeyLookups();
    const after = await whoami(`Bearer ${generateKey().keyString}`, ip);
    expect(lookups.stop()).toBe(0);
    expect(after).toEqual({ status: 429, reason: 'rate_limited' });
  });

  it('a valid key verified from the database gives its unit back: successes never wear the budget down', async () => {
    const { admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' });
    const ip = uniqueIp();
    // A burst of as many good requests as the budget, all off the cache path: each reserves a unit.
    app.deps.keyCache.clear();
    const burst = await Promise.all(
      Array.from({ length: BUDGET }, () => whoami(`Bearer ${key.keyString}`, ip)),
    );
    expect(burst.map((a) => a.status)).toEqual(Array(BUDGET).fill(200));
    for (let i = 0; i < BUDGET - 1; i++) {
      expect((await whoami(`Bearer ${key.clientKey}:${generateKey().secret}`, ip)).status).toBe(401);
    }
    // Many verified successes off the cache path (each one reserves, verifies, refunds).
    for (let i = 0; i < 3 * BUDGET; i++) {
      app.deps.keyCache.clear();
      expect((await whoami(`Bearer ${key.keyString}`, ip)).status).toBe(200);
    }
    // The budget still has exactly the one unit the failures left.
    expect((await whoami(`Bearer ${key.clientKey}:${generateKey().secret}`, ip)).status).toBe(401);
    expect((await whoami(`Bearer ${key.clientKey}:${generateKey().secret}`, ip)).status).toBe(429);
  });
});
