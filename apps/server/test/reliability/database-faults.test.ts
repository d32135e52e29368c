import { createServer } from 'node:net';
import { reconnectDelaySeconds } from '@keyhole/api/internal/db/create-database';
import { DatabaseGate } from '@keyhole/api/internal/db/database-gate';
import { ConfigError, loadConfig } from '@keyhole/api/internal/env';
import { DatabaseUnavailableError } from '@keyhole/api/internal/lib/database-unavailable';
import { isDatabaseUnavailable } from '@keyhole/api/internal/lib/db-errors';
import { ServerBusyError } from '@keyhole/api/internal/lib/server-busy';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/http-server';
import { createKeyFor, keyRequest } from '../support/keys';
import { seedOrg, seedUser } from '../support/seed';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, isPostgres } from '../support/test-database';

/**
 * SPEC §9 "Database faults", on a real PostgreSQL (DATABASE_URL): a request's statements are bound by
 * KEYHOLE_DB_TIMEOUT_MS (here 1000 ms), so a table held under ACCESS EXCLUSIVE by another session makes
 * a read answer 503 SERVICE_UNAVAILABLE `database_unavailable` with Retry-After within the timeout, on
 * the fast tRPC path and the stock one alike, instead of waiting for the lock; the database gate
 * refuses work past its bound at once. The process-level faults (PostgreSQL stopped, restarted, a
 * 20 s lock) are in database-outage.slow.test.ts and pg-restart.slow.test.ts.
 */

const TIMEOUT_MS = 1000;
// The answer comes at the lock timeout; the margin is for a loaded 2-core machine.
const MARGIN_MS = 1000;

let app: TestApp;
let url = '';
let locker: postgres.Sql;
let keyString = '';
const servers: { close(): Promise<void>; url: string }[] = [];
const base: Record<'fast' | 'stock', string> = { fast: '', stock: '' };

beforeAll(async () => {
  if (!isPostgres()) return;
  const database = await createTestDatabase({ timeoutMs: TIMEOUT_MS });
  url = database.url!;
  app = await createTestApp({ database, env: { KEYHOLE_DB_TIMEOUT_MS: String(TIMEOUT_MS) } });
  const org = await seedOrg(app.deps.db);
  const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
  keyString = (await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' })).keyString;
  for (const adapter of ['fast', 'stock'] as const) {
    const server = await startHttpServer(app.deps, { host: '127.0.0.1', port: 0, adapter });
    servers.push(server);
    base[adapter] = server.url;
  }
  locker = postgres(url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await locker?.end({ timeout: 1 });
  await app?.close();
});

async function listMeetings(adapter: 'fast' | 'stock') {
  const started = performance.now();
  const res = await fetch(`${base[adapter]}/trpc/meetings.list`, { headers: keyRequest(keyString) });
  const body = (await res.json()) as { error?: { data?: { code?: string; reason?: string } } };
  return {
    status: res.status,
    body,
    retryAfter: res.headers.get('retry-after'),
    ms: performance.now() - started,
  };
}

/** Holds `table` under ACCESS EXCLUSIVE on the locker's connection until the returned function is called. */
async function holdLock(table: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => {
    locked = r;
  });
  const done = locker.begin(async (sql) => {
    await sql.unsafe(`lock table ${table} in access exclusive mode`);
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await done;
  };
}

describe.skipIf(!isPostgres())('database faults on PostgreSQL (KEYHOLE_DB_TIMEOUT_MS=1000)', () => {
  it('a locked table makes a read answer 503 database_unavailable with Retry-After within the timeout, on both paths; then it serves', async () => {
    // The key is verified (and cached) before the lock, so only the meetings read meets it.
    for (const adapter of ['fast', 'stock'] as const) expect((await listMeetings(adapter)).status).toBe(200);
    const release = await holdLock('meetings');
    try {
      for (const adapter of ['fast', 'stock'] as const) {
        const r = await listMeetings(adapter);
        console.log(
          `[database-faults] ${adapter}: locked meetings → ${r.status} after ${Math.round(r.ms)} ms`,
        );
        expect(r.status).toBe(503);
        expect(r.body.error?.data).toMatchObject({
          code: 'SERVICE_UNAVAILABLE',
          reason: 'database_unavailable',
        });
        expect(r.retryAfter).toBe('2');
        expect(r.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      }
    } finally {
      await release();
    }
    for (const adapter of ['fast', 'stock'] as const) expect((await listMeetings(adapter)).status).toBe(200);
    // One structured line, the SQLSTATE but no SQL text or parameters.
    const line = app.logs.lines.find((l) => l.includes('"event":"database_unavailable"'));
    expect(line).toBeDefined();
    expect(line).toMatch(/"code":"(55P03|57014)"/);
    expect(line).not.toMatch(/select|from "meetings"/i);
  });

  it('the REST face answers the same fault the same way: 503 database_unavailable, Retry-After, its own envelope', async () => {
    const rest = async () => {
      const started = performance.now();
      const res = await fetch(`${base.fast}/v1/meetings`, { headers: keyRequest(keyString) });
      return {
        status: res.status,
        body: await res.json(),
        retryAfter: res.headers.get('retry-after'),
        ms: performance.now() - started,
      };
    };
    expect((await rest()).status).toBe(200);
    const release = await holdLock('meetings');
    try {
      const r = await rest();
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({
        error: { code: 'SERVICE_UNAVAILABLE', reason: 'database_unavailable' },
      });
      expect(r.retryAfter).toBe('2');
      expect(r.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    } finally {
      await release();
    }
    expect((await rest()).status).toBe(200);
  });

  it('tells the database being unavailable apart from genuine bugs, on real errors', async () => {
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e,
      );
    const db = app.deps.database;
    expect(isDatabaseUnavailable(await errorOf(db.query('select 1/0')))).toBe(false);
    expect(isDatabaseUnavailable(await errorOf(db.query('selec 1')))).toBe(false);
    expect(isDatabaseUnavailable(await errorOf(db.query('select $1::uuid', ['nope'])))).toBe(false);
    expect(isDatabaseUnavailable(await errorOf(db.query('select * from no_such_table')))).toBe(false);
    const timedOut = await errorOf(db.query('select pg_sleep(2)'));
    expect((timedOut as { code?: string }).code).toBe('57014');
    expect(isDatabaseUnavailable(timedOut)).toBe(true);
    // A port nobody listens on: refused at once.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const nowhere = postgres(`postgres://postgres@127.0.0.1:${port}/x`, { max: 1, connect_timeout: 1 });
    const refused = await errorOf(nowhere.unsafe('select 1'));
    await nowhere.end({ timeout: 0 });
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isDatabaseUnavailable(refused)).toBe(true);
  });

  it('the gate refuses request work past its bound at once (429 while the database answers, 503 once silent) and answers at its deadline', async () => {
    // A gate of 3 with a 300 ms silence threshold and a 2 s deadline, in front of real statements that
    // wait for a lock held as long as the test wants (a client without the request timeouts).
    const gate = new DatabaseGate(2000, 3, 300, 0);
    const waiter = postgres(url, { max: 4, onnotice: () => {} });
    const release = await holdLock('meetings');
    const read = () =>
      gate
        .run(() => waiter`select count(*) from meetings`)
        .then(
          () => 'ok',
          (e: unknown) => e,
        );
    try {
      const held = [read(), read(), read()];
      expect(gate.inFlight).toBe(3);
      // Created a moment ago, as if the database had just answered: a full gate is load, not an outage.
      let started = performance.now();
      expect(await read()).toBeInstanceOf(ServerBusyError);
      expect(performance.now() - started).toBeLessThan(100);
      // Nothing answered for longer than the threshold: the database is stalled.
      await new Promise((r) => setTimeout(r, 400));
      started = performance.now();
      const refused = await read();
      const refusedMs = performance.now() - started;
      expect(refused).toBeInstanceOf(DatabaseUnavailableError);
      expect(refusedMs).toBeLessThan(100);
      // At the deadline the held calls are answered, their slots kept while the driver still waits.
      started = performance.now();
      const outcomes = await Promise.all(held);
      const deadlineMs = performance.now() - started + 400;
      for (const o of outcomes) expect(o).toBeInstanceOf(DatabaseUnavailableError);
      expect(gate.inFlight).toBe(3);
      console.log(
        `[database-faults] gate of 3: 4th call refused in ${refusedMs.toFixed(1)} ms; the 3 held ones answered 503 after ~${Math.round(deadlineMs)} ms (deadline 2000), slots held: ${gate.inFlight}`,
      );
      expect(deadlineMs).toBeLessThan(2000 + MARGIN_MS);
    } finally {
      await release();
    }
    for (let i = 0; i < 50 && gate.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(gate.inFlight).toBe(0);
    expect(await read()).toBe('ok');
    await waiter.end({ timeout: 1 });
  });
});

describe('KEYHOLE_DB_TIMEOUT_MS and reconnects', () => {
  it('defaults to 5000 and is bounded to 100–60000', () => {
    expect(loadConfig({}).dbTimeoutMs).toBe(5000);
    expect(loadConfig({ KEYHOLE_DB_TIMEOUT_MS: '2000' }).dbTimeoutMs).toBe(2000);
    for (const bad of ['99', '60001', 'soon']) {
      expect(() => loadConfig({ KEYHOLE_DB_TIMEOUT_MS: bad })).toThrow(ConfigError);
    }
  });

  it('reconnect attempts wait 50 ms, doubling, never more than 500 ms (back within 2 s of the database)', () => {
    expect(reconnectDelaySeconds(0)).toBe(0.05);
    expect(reconnectDelaySeconds(1)).toBe(0.1);
    for (const n of [4, 10, 100, 10_000]) expect(reconnectDelaySeconds(n)).toBe(0.5);
  });
});
