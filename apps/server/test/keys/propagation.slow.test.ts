import { apiKeys, keyUsageDaily, orgs, users } from '@keyhole/api/internal/db/schema';
import { systemClock } from '@keyhole/api/internal/lib/clock';
import { httpMutation, httpQuery } from '@keyhole/testing/http';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from '../support/api-process';
import { createKeyFor } from '../support/keys';
import { seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, isPostgres } from '../support/test-database';
import { expectNoSecretsIn, newOrgWithAdmin } from './key-test-helpers';

/**
 * SPEC §3 propagation across processes: two real API processes (`keyhole serve`) on one PostgreSQL.
 * A change made through one, or straight in the database with a published event, must be refused by
 * the other within 1 s although that process had the key cached.
 */

const PROPAGATION_BUDGET_MS = 1000;

let app: TestApp;
let dbUrl: string;
const servers: ApiProcess[] = [];
const minted = new Set<string>();
const figures: Record<string, number> = {};

async function startServer(name: string): Promise<ApiProcess> {
  const server = await startApiProcess({ name, databaseUrl: dbUrl, env: { KEYHOLE_USAGE_FLUSH_MS: '5000' } });
  servers.push(server);
  return server;
}

const stopServer = (server: ApiProcess) => server.stop();

async function whoami(server: ApiProcess, keyString: string) {
  const res = await httpQuery<{ key: { name: string }; org: { name: string } }>(
    server.url,
    'whoami',
    undefined,
    {
      authorization: `Bearer ${keyString}`,
    },
  );
  const body = JSON.parse(res.text) as typeof res.body;
  return { status: res.status, reason: body.error?.data.reason, data: body.result?.data };
}

async function mutate(server: ApiProcess, path: string, cookie: string, input: unknown) {
  const res = await httpMutation(server.url, path, input, { cookie });
  expect(res.status, res.text).toBe(200);
  return (JSON.parse(res.text) as { result: { data: unknown } }).result.data;
}

/** Polls until `done` holds and returns how long it took from `since`; fails past the budget. */
async function timeUntil(
  since: number,
  check: () => Promise<boolean>,
  label: string,
  budgetMs = PROPAGATION_BUDGET_MS,
): Promise<number> {
  for (;;) {
    if (await check()) {
      const ms = performance.now() - since;
      figures[label] = Math.round(ms * 10) / 10;
      expect(ms, label).toBeLessThan(budgetMs);
      return ms;
    }
    if (performance.now() - since > budgetMs * 3) throw new Error(`${label}: not within ${budgetMs * 3} ms`);
  }
}

async function warm(server: ApiProcess, keyString: string) {
  for (let i = 0; i < 3; i++) expect((await whoami(server, keyString)).status).toBe(200);
}

describe.skipIf(!isPostgres())('two API processes on one PostgreSQL', () => {
  let a: ApiProcess;
  let b: ApiProcess;

  beforeAll(async () => {
    const database = await createTestDatabase();
    dbUrl = database.url!;
    // The servers run on the system clock; sessions and keys made here must agree with it.
    app = await createTestApp({ database, clock: systemClock });
    [a, b] = await Promise.all([startServer('A'), startServer('B')]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map(stopServer));
    await app?.close();
    console.log(`propagation to the other process (ms): ${JSON.stringify(figures)}`);
  });

  it('revoke on A: B refuses the key it had cached within 1 s, A at once', async () => {
    const { admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
    minted.add(key.keyString);
    await warm(a, key.keyString);
    await warm(b, key.keyString);
    const cookie = await sessionCookieHeader(app, admin.id);
    await mutate(a, 'keys.revoke', cookie, { id: key.id });
    const since = performance.now();
    expect(await whoami(a, key.keyString)).toMatchObject({ status: 401, reason: 'invalid_key' });
    await timeUntil(since, async () => (await whoami(b, key.keyString)).status === 401, 'revoke');
  });

  it('regenerate on A: B refuses the old secret within 1 s and accepts the new one at once', async () => {
    const { admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' });
    minted.add(key.keyString);
    await warm(b, key.keyString);
    const cookie = await sessionCookieHeader(app, admin.id);
    const { secret } = (await mutate(a, 'keys.regenerate', cookie, { id: key.id })) as { secret: string };
    minted.add(secret);
    const since = performance.now();
    expect((await whoami(b, secret)).status).toBe(200);
    await timeUntil(since, async () => (await whoami(b, key.keyString)).status === 401, 'regenerate');
  });

  it('user deactivation and reactivation reach B within 1 s', async () => {
    const { org, admin } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id });
    const key = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'user_limited',
      issuedToUserId: member.id,
    });
    minted.add(key.keyString);
    await warm(b, key.keyString);
    await app.deps.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, member.id));
    await app.deps.changes.publish({ kind: 'user', id: member.id });
    let since = performance.now();
    await timeUntil(
      since,
      async () => (await whoami(b, key.keyString)).reason === 'key_user_deactivated',
      'deactivation',
    );
    expect(await whoami(a, key.keyString)).toMatchObject({ status: 403, reason: 'key_user_deactivated' });
    await app.deps.db.update(users).set({ status: 'active' }).where(eq(users.id, member.id));
    await app.deps.changes.publish({ kind: 'user', id: member.id });
    since = performance.now();
    await timeUntil(since, async () => (await whoami(b, key.keyString)).status === 200, 'reactivation');
  });

  it('an org change (settings, name) reaches the keys B has cached within 1 s', async () => {
    const { org, admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
    minted.add(key.keyString);
    await warm(b, key.keyString);
    await app.deps.db
      .update(orgs)
      .set({ name: 'Renamed Org', orgFullKeysIncludePrivate: false })
      .where(eq(orgs.id, org.id));
    await app.deps.changes.publish({ kind: 'org', id: org.id });
    const since = performance.now();
    await timeUntil(
      since,
      async () => (await whoami(b, key.keyString)).data?.org.name === 'Renamed Org',
      'org',
    );
  });

  it('expiry holds on both processes at use, whatever they cached', async () => {
    const { admin } = await newOrgWithAdmin(app);
    const expiresAt = new Date(Date.now() + 2000);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited', expiresAt });
    minted.add(key.keyString);
    await warm(a, key.keyString);
    await warm(b, key.keyString);
    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 10));
    expect(await whoami(a, key.keyString)).toMatchObject({ status: 401, reason: 'key_expired' });
    expect(await whoami(b, key.keyString)).toMatchObject({ status: 401, reason: 'key_expired' });
  });

  it('a change whose notice was lost is picked up when the listener reconnects (cache flush)', async () => {
    const { admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
    minted.add(key.keyString);
    await warm(b, key.keyString);
    // Revoked behind every process's back: no event is published at all.
    await app.deps.db
      .update(apiKeys)
      .set({ revokedAt: new Date(), secretHash: null, secretCiphertext: null })
      .where(eq(apiKeys.id, key.id));
    expect((await whoami(b, key.keyString)).status).toBe(200);
    // Cut every LISTEN connection; each process reconnects and flushes its cache.
    await app.deps.db.execute(sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and application_name = 'keyhole-listen'`);
    const since = performance.now();
    await timeUntil(since, async () => (await whoami(b, key.keyString)).status === 401, 'reconnect');
    // SPEC §9: the listener is back within 1 s of the database accepting connections (here: at once).
    await timeUntil(
      since,
      async () => {
        // A pause, so the child's output is read meanwhile.
        await new Promise((r) => setTimeout(r, 10));
        return b.output.join('').includes('change listener reconnected; dropping cached keys');
      },
      'listener back',
    );
  });

  it('usage counted on both processes is written by shutdown, and no log line holds a secret', async () => {
    const { admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' });
    minted.add(key.keyString);
    for (let i = 0; i < 4; i++) await whoami(a, key.keyString);
    for (let i = 0; i < 3; i++) await whoami(b, key.keyString);
    await Promise.all([stopServer(a), stopServer(b)]);
    expect(a.child.exitCode).toBe(0);
    expect(b.child.exitCode).toBe(0);
    const rows = await app.deps.db.select().from(keyUsageDaily).where(eq(keyUsageDaily.keyId, key.id));
    expect(rows.reduce((sum, r) => sum + r.requests, 0)).toBe(7);
    const [row] = await app.deps.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row!.lastUsedAt).not.toBeNull();
    const output = [...a.output, ...b.output].join('');
    expect(output).toContain('"msg":"request"');
    expectNoSecretsIn(output, minted);
  });
});
