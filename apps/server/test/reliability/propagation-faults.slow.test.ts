import { createDatabase } from '@keyhole/api/internal/db/create-database';
import { systemClock } from '@keyhole/api/internal/lib/clock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrgWithAdmin } from '../keys/key-test-helpers';
import { type ApiProcess, startApiProcess } from '../support/api-process';
import { createKeyFor } from '../support/keys';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres';
import { seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 13, finding 2 / SPEC §9 "Propagation under faults": after PostgreSQL has been down, a revoke,
 * a regenerate (no overlap: the old secret fails at once, §3) and a user deactivation made on process A
 * must be refused by process B within §3's 1 s, although B had the keys cached before the outage and
 * kept serving requests through it. Before the fix, B kept trusting its cache until its LISTEN
 * connection came back after postgres.js's growing backoff (0.65–13 s) and flushed it.
 *
 * One outage per trial covers all three kinds, each on keys and users of its own. The bound is the
 * SPEC's 1 s itself, on the last time B accepts the credential after A has answered: the cache trusts
 * an entry it cannot vouch for at most 750 ms (docs/ARCHITECTURE.md), which leaves 250 ms for a loaded
 * 2-core machine. B's first 401/403 is timed too and must come (within 30 s), but it also waits for
 * B's connection pool to be back, which is §9 "Database faults", not this test's subject: a request
 * that waits for the pool serves nothing meanwhile. During the outage B may not serve a cached key
 * more than 1 s after PostgreSQL went down. Runs against a private PostgreSQL 15 cluster, never the
 * shared one.
 */

const TRIALS = 20;
const OUTAGE_MS = 5000;
const BUDGET_MS = 1000;
/** postgres.js's pool may wait up to 20 s before its next connect attempt (§9 "Database faults"). */
const EVENTUALLY_MS = 30_000;
const KINDS = ['revoke', 'regenerate', 'deactivation'] as const;
type Kind = (typeof KINDS)[number];

let pg: PrivatePostgres;
let app: TestApp;
let a: ApiProcess;
let b: ApiProcess;
/** Per kind: A's answer → B's last 200 for the credential (0 when B accepted it no more). */
const lastAccept: Record<Kind, number[]> = { revoke: [], regenerate: [], deactivation: [] };
/** Per kind: A's answer → B's first refusal (401 / 403 key_user_deactivated). */
const firstRefusal: Record<Kind, number[]> = { revoke: [], regenerate: [], deactivation: [] };
const duringOutage: Record<string, number> = {};
/** 200s B answered for a cached key more than 1 s after PostgreSQL had gone down. */
let servedPastBound = 0;

const env = {
  KEYHOLE_RATE_LIMIT_PER_MINUTE: '1000000',
  KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
  KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000',
  KEYHOLE_LOG_LEVEL: 'warn',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function whoami(server: ApiProcess, keyString: string, timeoutMs = 5000) {
  try {
    const res = await fetch(`${server.url}/trpc/whoami`, {
      headers: { authorization: `Bearer ${keyString}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { error?: { data?: { reason?: string } } };
    return { status: res.status, reason: body.error?.data?.reason };
  } catch {
    return { status: 0, reason: 'network' };
  }
}

async function post(server: ApiProcess, path: string, cookie: string, input: unknown) {
  const res = await fetch(`${server.url}/trpc/${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(input),
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: res.status,
    body: (await res.json().catch(() => ({}))) as { result?: { data?: unknown } },
  };
}

/** A session-authenticated read on A: sessions are never cached, so a 200 means A reads the database. */
async function untilServing(server: ApiProcess, cookie: string) {
  const since = Date.now();
  for (;;) {
    try {
      const res = await fetch(`${server.url}/trpc/keys.list`, {
        headers: { cookie },
        signal: AbortSignal.timeout(5000),
      });
      if (res.status === 200) return;
    } catch {}
    if (Date.now() - since > 30_000)
      throw new Error(`${server.name} not serving 30 s after PostgreSQL came back`);
    await sleep(50);
  }
}

/**
 * Polls B with `keyString` until `refused` holds: from `since`, the time of that answer and of the last
 * 200 before it (0 if none came after `since`).
 */
async function untilRefused(
  keyString: string,
  refused: (r: { status: number; reason?: string }) => boolean,
  since: number,
): Promise<{ refusedMs: number; lastAcceptMs: number }> {
  let lastAcceptMs = 0;
  for (;;) {
    const r = await whoami(b, keyString);
    const ms = performance.now() - since;
    if (r.status === 200) lastAcceptMs = ms;
    if (refused(r)) return { refusedMs: ms, lastAcceptMs };
    if (ms > EVENTUALLY_MS) return { refusedMs: Number.POSITIVE_INFINITY, lastAcceptMs };
  }
}

/** A mutation on A, retried while A answers 5xx (a pool connection that died with the outage). */
async function mutateOnA(path: string, cookie: string, input: unknown) {
  for (let attempt = 0; ; attempt++) {
    const res = await post(a, path, cookie, input);
    if (res.status < 500 || attempt >= 20) {
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
      return { answeredAt: performance.now(), data: res.body.result?.data };
    }
    await sleep(50);
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

beforeAll(async () => {
  pg = await startPrivatePostgres({ name: 'propagation' });
  const database = await createDatabase({ kind: 'postgres', url: pg.url });
  // The servers run on the system clock; sessions and keys made here must agree with it.
  app = await createTestApp({ database, clock: systemClock, env: { KEYHOLE_USAGE_FLUSH_MS: '5000' } });
  [a, b] = await Promise.all([
    startApiProcess({ name: 'A', databaseUrl: pg.url, dropEnv: ['REDIS_URL'], env }),
    startApiProcess({ name: 'B', databaseUrl: pg.url, dropEnv: ['REDIS_URL'], env }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await app?.close().catch(() => {});
  await pg?.kill();
  const stat = (xs: number[]) =>
    xs.length
      ? {
          p50: Math.round(pct(xs, 50)),
          max: Number.isFinite(Math.max(...xs)) ? Math.round(Math.max(...xs)) : '>30000',
        }
      : null;
  const summary = Object.fromEntries(
    KINDS.map((k) => [
      k,
      {
        trials: lastAccept[k].length,
        lastAccept: stat(lastAccept[k]),
        firstRefusal: stat(firstRefusal[k]),
        late: lastAccept[k].filter((ms) => !(ms < BUDGET_MS)).length,
      },
    ]),
  );
  console.log(
    `[propagation-faults] after a ${OUTAGE_MS} ms outage, from A's answer (ms): ${JSON.stringify(summary)}; ` +
      `B's answers to cached keys during the outages: ${JSON.stringify(duringOutage)}, ` +
      `of them 200 more than ${BUDGET_MS} ms into the outage: ${servedPastBound}`,
  );
});

describe('propagation after PostgreSQL was down', () => {
  it(`revoke, regenerate and deactivation on A reach B within ${BUDGET_MS} ms, ${TRIALS} of ${TRIALS} trials`, async () => {
    const late: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const { org, admin } = await newOrgWithAdmin(app);
      const member = await seedUser(app.deps.db, { orgId: org.id });
      const revoked = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
      const regenerated = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' });
      const deactivated = await createKeyFor(app, {
        adminUserId: admin.id,
        scope: 'user_limited',
        issuedToUserId: member.id,
      });
      const cookie = await sessionCookieHeader(app, admin.id);
      const keys = [revoked, regenerated, deactivated].map((k) => k.keyString);
      for (const key of keys) {
        for (let i = 0; i < 3; i++) expect((await whoami(b, key)).status).toBe(200);
      }

      // B keeps being asked for its cached keys all through the outage.
      let outage = true;
      let downAt = Number.POSITIVE_INFINITY;
      let upAt = Number.POSITIVE_INFINITY;
      const traffic = (async () => {
        while (outage) {
          for (const key of keys) {
            const r = await whoami(b, key, 3000);
            const at = performance.now();
            const label = r.status === 0 ? 'network' : String(r.status);
            duringOutage[label] = (duringOutage[label] ?? 0) + 1;
            if (r.status === 200 && at > downAt + BUDGET_MS && at < upAt) servedPastBound++;
          }
          await sleep(20);
        }
      })();
      // pg_ctl returns once the postmaster is gone: every connection, the LISTEN one too, closed before.
      await pg.stop('fast');
      downAt = performance.now();
      await sleep(OUTAGE_MS);
      upAt = performance.now();
      await pg.start();
      outage = false;
      await traffic;
      await untilServing(a, cookie);

      const measure = async (
        kind: Kind,
        change: () => Promise<number>,
        key: string,
        refused: (r: { status: number; reason?: string }) => boolean,
      ) => {
        const answeredAt = await change();
        const { refusedMs, lastAcceptMs } = await untilRefused(key, refused, answeredAt);
        lastAccept[kind].push(lastAcceptMs);
        firstRefusal[kind].push(refusedMs);
        if (!(lastAcceptMs < BUDGET_MS))
          late.push(`trial ${trial} ${kind}: accepted ${Math.round(lastAcceptMs)} ms after`);
        if (!Number.isFinite(refusedMs)) late.push(`trial ${trial} ${kind}: not refused within 30 s`);
      };
      await Promise.all([
        measure(
          'revoke',
          async () => (await mutateOnA('keys.revoke', cookie, { id: revoked.id })).answeredAt,
          revoked.keyString,
          (r) => r.status === 401,
        ),
        measure(
          'regenerate',
          async () => (await mutateOnA('keys.regenerate', cookie, { id: regenerated.id })).answeredAt,
          regenerated.keyString,
          (r) => r.status === 401,
        ),
        measure(
          'deactivation',
          async () =>
            (await mutateOnA('members.setStatus', cookie, { userId: member.id, status: 'deactivated' }))
              .answeredAt,
          deactivated.keyString,
          (r) => r.status === 403 && r.reason === 'key_user_deactivated',
        ),
      ]);
      // The process that made the change refuses at once (§3).
      expect((await whoami(a, revoked.keyString)).status).toBe(401);
      expect(b.child.exitCode).toBeNull();
    }
    expect(late).toEqual([]);
    expect(servedPastBound).toBe(0);
  });
});
