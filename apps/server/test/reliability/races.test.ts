import { hashKeySecret } from '@keyhole/api/internal/auth/key-secrets';
import { createDatabase } from '@keyhole/api/internal/db/create-database';
import { apiKeys, auditEvents, users } from '@keyhole/api/internal/db/schema';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSignedInMember, signUpOrg } from '../accounts/account-helpers';
import { newOrgWithAdmin } from '../keys/key-test-helpers';
import { expectNoSecretsLeaked } from '../security/secret-hygiene';
import { Wire } from '../security/wire';
import { createKeyFor } from '../support/keys';
import { sessionCookieHeader, sessionRequest } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { createTestDatabase, isPostgres } from '../support/test-database';

/**
 * Races only a real multi-connection database produces (PostgreSQL). Two apps share one database
 * here — two API processes as far as the database, the change feed (LISTEN/NOTIFY) and the caches
 * are concerned — each behind its own HTTP server.
 *
 * Covered elsewhere and not repeated: 50 concurrent creates leave exactly 10 keys
 * (test/keys/key-limit-concurrency.test.ts); two admins demoting or deactivating each other at once
 * (test/accounts/members-concurrency.test.ts).
 */

let app: TestApp;
let other: TestApp;
let serverA: Awaited<ReturnType<typeof startTestServer>>;
let serverB: Awaited<ReturnType<typeof startTestServer>>;
let a: Wire;
let b: Wire;
const minted = new Set<string>();
const figures: Record<string, number> = {};

const ENV = {
  KEYHOLE_TRUST_PROXY: '1',
  KEYHOLE_RATE_LIMIT_PER_MINUTE: '1000000',
  KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000',
  KEYHOLE_LOG_LEVEL: 'trace',
};

beforeAll(async () => {
  if (!isPostgres()) return;
  const database = await createTestDatabase();
  app = await createTestApp({ database, env: ENV });
  other = await createTestApp({
    database: await createDatabase({ kind: 'postgres', url: database.url!, migrate: false }),
    env: ENV,
  });
  serverA = await startTestServer(app);
  serverB = await startTestServer(other);
  a = new Wire(serverA.url);
  b = new Wire(serverB.url);
}, 60_000);

afterAll(async () => {
  await serverA?.close();
  await serverB?.close();
  await other?.close();
  await app?.close();
  if (Object.keys(figures).length) console.log(`races: ${JSON.stringify(figures)}`);
});

const bearer = (keyString: string) => ({ authorization: `Bearer ${keyString}` });
const works = async (wire: Wire, keyString: string) =>
  (await wire.query('whoami', undefined, bearer(keyString))).status === 200;

describe.skipIf(!isPostgres())('races on PostgreSQL', () => {
  it('20 concurrent regenerates of one key (mixed overlaps): afterwards exactly the secrets the overlap rule allows work', async () => {
    for (let round = 0; round < 3; round++) {
      const { admin, caller } = await newOrgWithAdmin(app);
      const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
      minted.add(key.keyString);
      // Both processes have the original cached while the regenerates race, and keep asking.
      expect(await works(a, key.keyString)).toBe(true);
      expect(await works(b, key.keyString)).toBe(true);
      const overlaps = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 0 : 3600));
      let burst = true;
      const hammer = (async () => {
        while (burst) await Promise.all([works(a, key.keyString), works(b, key.keyString)]);
      })();
      const results = await Promise.all(
        overlaps.map((previousSecretValidForSeconds) =>
          caller.keys.regenerate({ id: key.id, previousSecretValidForSeconds }),
        ),
      );
      burst = false;
      await hammer;
      for (const r of results) minted.add(r.secret);

      // The database serialised them: the current secret is one of the answers, and the previous
      // hash (if any) is the secret of the regenerate committed just before it.
      const { secret: current } = await caller.keys.reveal({ id: key.id });
      const winner = results.findIndex((r) => r.secret === current);
      expect(winner).toBeGreaterThanOrEqual(0);
      const [row] = await app.deps.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
      const issued = [key.keyString, ...results.map((r) => r.secret)];
      const secretOf = (s: string) => s.slice(s.indexOf(':') + 1);
      const previous = issued.filter(
        (s) =>
          row!.previousSecretHash &&
          hashKeySecret(app.deps.keyring, secretOf(s)).equals(Buffer.from(row!.previousSecretHash)),
      );
      const expectedWorking = new Set([current, ...(overlaps[winner]! > 0 ? previous : [])]);
      expect(previous).toHaveLength(overlaps[winner]! > 0 ? 1 : 0);
      expect(previous).not.toContain(current);

      // Whatever they cached during the race, exactly those work: at once on this process, and on
      // the other within the SPEC's second.
      const workingOn = async (wire: Wire) => {
        const working = new Set<string>();
        for (const s of issued) if (await works(wire, s)) working.add(s);
        return working;
      };
      expect(await workingOn(a)).toEqual(expectedWorking);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await workingOn(b)).toEqual(expectedWorking);
      const [events] = await app.deps.db
        .select({ n: count() })
        .from(auditEvents)
        .where(and(eq(auditEvents.targetId, key.id), eq(auditEvents.action, 'key.regenerated')));
      expect(Number(events!.n)).toBe(20);
    }
  }, 120_000);

  it('revoke during a burst: nothing succeeds on this process once revoke returned, nor on the other after 1 s', async () => {
    const trials: number[] = [];
    for (let trial = 0; trial < 5; trial++) {
      const { admin } = await newOrgWithAdmin(app);
      const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' });
      minted.add(key.keyString);
      const cookie = await sessionCookieHeader(app, admin.id);
      const log: { wire: 'a' | 'b'; sentAt: number; status: number }[] = [];
      let stopAt = Number.POSITIVE_INFINITY;
      const loop = async (name: 'a' | 'b', wire: Wire) => {
        while (performance.now() < stopAt) {
          const sentAt = performance.now();
          const r = await wire.query('whoami', undefined, bearer(key.keyString));
          log.push({ wire: name, sentAt, status: r.status });
        }
      };
      const loops = [loop('a', a), loop('a', a), loop('a', a), loop('b', b), loop('b', b), loop('b', b)];
      await new Promise((r) => setTimeout(r, 150));
      const revoke = await a.mutation('keys.revoke', { id: key.id }, { cookie });
      const revokedAt = performance.now();
      expect(revoke.status).toBe(200);
      stopAt = revokedAt + 1500;
      await Promise.all(loops);

      const before = log.filter((l) => l.sentAt < revokedAt);
      expect(before.filter((l) => l.status === 200).length, 'the burst was running').toBeGreaterThan(10);
      const afterOnA = log.filter((l) => l.wire === 'a' && l.sentAt >= revokedAt);
      expect(afterOnA.length).toBeGreaterThan(10);
      expect(afterOnA.filter((l) => l.status !== 401)).toEqual([]);
      const afterOnB = log.filter((l) => l.wire === 'b' && l.sentAt >= revokedAt + 1000);
      expect(afterOnB.length).toBeGreaterThan(10);
      expect(afterOnB.filter((l) => l.status !== 401)).toEqual([]);
      const lastSuccessOnB = Math.max(
        revokedAt,
        ...log.filter((l) => l.wire === 'b' && l.status === 200).map((l) => l.sentAt),
      );
      trials.push(lastSuccessOnB - revokedAt);
      for (const l of log) expect([200, 401]).toContain(l.status);
    }
    figures['revoke burst: last success on the other process after revoke returned, max ms'] =
      Math.round(Math.max(...trials) * 10) / 10;
  }, 120_000);

  it('revoke racing regenerates and renames of the same key: it ends revoked, with no secret material and no working secret', async () => {
    for (let round = 0; round < 5; round++) {
      const { admin, caller } = await newOrgWithAdmin(app);
      const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
      minted.add(key.keyString);
      const settled = await Promise.allSettled([
        caller.keys.regenerate({ id: key.id, previousSecretValidForSeconds: 3600 }),
        caller.keys.rename({ id: key.id, name: 'renamed' }),
        caller.keys.revoke({ id: key.id }),
        caller.keys.regenerate({ id: key.id }),
        caller.keys.reveal({ id: key.id }),
      ]);
      const secrets = [key.keyString];
      for (const s of settled) {
        if (s.status === 'fulfilled' && 'secret' in s.value) secrets.push(s.value.secret);
        if (s.status === 'rejected') expect((s.reason as { code: string }).code).toBe('NOT_FOUND');
      }
      for (const s of secrets) minted.add(s);
      expect(settled[2]!.status).toBe('fulfilled');
      const [row] = await app.deps.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
      expect(row!.revokedAt).not.toBeNull();
      expect(row!.secretHash).toBeNull();
      expect(row!.secretCiphertext).toBeNull();
      expect(row!.previousSecretHash).toBeNull();
      for (const s of secrets) {
        expect(await works(a, s)).toBe(false);
        expect(await works(b, s)).toBe(false);
      }
    }
  }, 60_000);

  it('five admins demoting and deactivating one another all at once never leave zero active admins', async () => {
    const owner = await signUpOrg(app);
    const admins = [
      { id: owner.user.id, req: owner.req },
      ...(await Promise.all(
        Array.from({ length: 4 }, async () => {
          const m = await addSignedInMember(app, owner.token, { role: 'admin' });
          return { id: m.user.id, req: m.req };
        }),
      )),
    ];
    const activeAdmins = async () => {
      const [row] = await app.deps.db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.orgId, owner.org.id), eq(users.role, 'admin'), eq(users.status, 'active')));
      return Number(row!.n);
    };
    for (let round = 0; round < 10; round++) {
      const calls = admins.flatMap((actor) =>
        admins.map((target) =>
          round % 2 === 0
            ? app.caller(actor.req).members.setRole({ userId: target.id, role: 'member' })
            : app.caller(actor.req).members.setStatus({ userId: target.id, status: 'deactivated' }),
        ),
      );
      const results = await Promise.allSettled(calls);
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      expect(await activeAdmins()).toBe(1);
      await app.deps.db
        .update(users)
        .set({ role: 'admin', status: 'active' })
        .where(eq(users.orgId, owner.org.id));
      for (const x of admins) x.req = { cookies: (await sessionRequest(app, x.id)).cookies };
    }
  }, 120_000);

  it('no secret in any log line or error body of either process, nor in any table', async () => {
    await app.deps.keyUsage.flush();
    await other.deps.keyUsage.flush();
    await expectNoSecretsLeaked({
      database: app.database,
      texts: {
        'log A': app.logs.lines,
        'log B': other.logs.lines,
        'error body': [...a.errorBodies, ...b.errorBodies],
      },
      secrets: minted,
      passwords: ['correct horse battery staple'],
    });
  });
});
