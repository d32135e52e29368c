import { apiKeys, keyUsageDaily } from '@keyhole/api/internal/db/schema';
import type { ManualClock } from '@keyhole/api/internal/lib/clock';
import { expectTrpcError } from '@keyhole/testing/errors';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKeyFor, keyRequest } from '../support/keys';
import { seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { newOrgWithAdmin } from './key-test-helpers';

let app: TestApp;
let clock: ManualClock;

beforeAll(async () => {
  // The longest interval allowed, so a test controls when flushes happen (flush() restarts the timer).
  app = await createTestApp({ env: { KEYHOLE_USAGE_FLUSH_MS: '5000' } });
  clock = app.clock as ManualClock;
});
afterAll(async () => {
  await app?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A day whose calls all succeeded (SPEC §5: requests is the sum of the outcomes). */
const succeededOnly = (date: string, requests: number) => ({
  date,
  requests,
  succeeded: requests,
  clientErrors: 0,
  rateLimited: 0,
  serverErrors: 0,
});

const use = (keyString: string) => app.caller(keyRequest(keyString)).whoami();

async function setup() {
  const ctx = await newOrgWithAdmin(app);
  const key = await createKeyFor(app, { adminUserId: ctx.admin.id, scope: 'org_limited' });
  return { ...ctx, key };
}

async function storedRows(keyId: string) {
  return app.deps.db
    .select({ day: keyUsageDaily.day, requests: keyUsageDaily.requests })
    .from(keyUsageDaily)
    .where(eq(keyUsageDaily.keyId, keyId))
    .orderBy(keyUsageDaily.day);
}

async function storedLastUsed(keyId: string) {
  const [row] = await app.deps.db
    .select({ at: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(eq(apiKeys.id, keyId));
  return row!.at;
}

describe('usage recording', () => {
  it('counts in memory with no database write per request, visible at once, written by a flush', async () => {
    const { caller, key } = await setup();
    await app.deps.keyUsage.flush();
    const writes = [
      vi.spyOn(app.deps.db, 'insert'),
      vi.spyOn(app.deps.db, 'update'),
      vi.spyOn(app.deps.db, 'execute'),
      vi.spyOn(app.deps.db, 'transaction'),
    ];
    for (let i = 0; i < 7; i++) await use(key.keyString);
    for (const spy of writes) expect(spy).not.toHaveBeenCalled();
    expect(await storedRows(key.id)).toEqual([]);
    expect(await storedLastUsed(key.id)).toBeNull();
    vi.restoreAllMocks();

    const today = clock.now().toISOString().slice(0, 10);
    expect((await caller.keys.usage({ id: key.id })).days.at(-1)).toEqual(succeededOnly(today, 7));
    expect((await caller.keys.list()).keys[0]!.lastUsedAt).toBe(clock.now().toISOString());

    await app.deps.keyUsage.flush();
    expect(await storedRows(key.id)).toEqual([{ day: today, requests: 7 }]);
    expect(await storedLastUsed(key.id)).toEqual(clock.now());
    expect((await caller.keys.usage({ id: key.id })).days.at(-1)).toEqual(succeededOnly(today, 7));

    clock.advance(1000);
    for (let i = 0; i < 3; i++) await use(key.keyString);
    expect((await caller.keys.usage({ id: key.id })).days.at(-1)!.requests).toBe(10);
    await app.deps.keyUsage.flush();
    expect(await storedRows(key.id)).toEqual([{ day: today, requests: 10 }]);
    expect(await storedLastUsed(key.id)).toEqual(clock.now());
  });

  it('writes many keys in one multi-row upsert and one last-used update per flush', async () => {
    const { admin } = await setup();
    const keys = [];
    for (let i = 0; i < 4; i++)
      keys.push(await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' }));
    await app.deps.keyUsage.flush();
    for (const [i, k] of keys.entries()) for (let n = 0; n <= i; n++) await use(k.keyString);
    const statements: string[] = [];
    const original = app.deps.db.transaction.bind(app.deps.db);
    vi.spyOn(app.deps.db, 'transaction').mockImplementation(((fn: Parameters<typeof original>[0]) =>
      original(async (tx) => {
        const insert = tx.insert.bind(tx);
        const execute = tx.execute.bind(tx);
        vi.spyOn(tx, 'insert').mockImplementation(((t: never) => {
          statements.push('insert');
          return insert(t);
        }) as never);
        vi.spyOn(tx, 'execute').mockImplementation(((q: never) => {
          statements.push('update');
          return execute(q);
        }) as never);
        return fn(tx);
      })) as never);
    await app.deps.keyUsage.flush();
    expect(statements).toEqual(['insert', 'update']);
    for (const [i, k] of keys.entries()) {
      expect((await storedRows(k.id))[0]!.requests).toBe(i + 1);
    }
  });

  it('keeps last_used_at at the latest time any process wrote', async () => {
    const { key } = await setup();
    const later = new Date(clock.now().getTime() + 3_600_000);
    await app.deps.db.update(apiKeys).set({ lastUsedAt: later }).where(eq(apiKeys.id, key.id));
    await use(key.keyString);
    await app.deps.keyUsage.flush();
    expect(await storedLastUsed(key.id)).toEqual(later);
  });

  it('a failed flush keeps its counts for the next one and logs the failure', async () => {
    const { caller, key } = await setup();
    await app.deps.keyUsage.flush();
    for (let i = 0; i < 4; i++) await use(key.keyString);
    vi.spyOn(app.deps.db, 'transaction').mockRejectedValueOnce(new Error('database went away'));
    await app.deps.keyUsage.flush();
    expect(await storedRows(key.id)).toEqual([]);
    expect(app.logs.text()).toContain('could not write key usage');
    expect((await caller.keys.usage({ id: key.id })).days.at(-1)!.requests).toBe(4);
    await use(key.keyString);
    await app.deps.keyUsage.flush();
    expect((await storedRows(key.id))[0]!.requests).toBe(5);
  });

  it('flushes by itself within the interval, and at shutdown', async () => {
    const { key } = await setup();
    await use(key.keyString);
    await vi.waitFor(async () => expect(await storedRows(key.id)).toHaveLength(1), {
      timeout: 7000,
      interval: 100,
    });

    // A second app on the same database: closing it must write what it counted.
    const second = await createTestApp({
      database: { ...app.database, close: async () => {} },
      clock,
      env: { KEYHOLE_USAGE_FLUSH_MS: '5000' },
    });
    await second.caller(keyRequest(key.keyString)).whoami();
    await second.caller(keyRequest(key.keyString)).whoami();
    await second.close();
    expect((await storedRows(key.id))[0]!.requests).toBe(3);
  });
});

describe('keys.usage', () => {
  it('one entry per UTC day, oldest first, zeros included; days 1–90, default 14', async () => {
    clock.set('2026-03-10T23:59:59.000Z');
    const { caller, key } = await setup();
    await use(key.keyString);
    await use(key.keyString);
    clock.set('2026-03-11T00:00:01.000Z');
    for (let i = 0; i < 3; i++) await use(key.keyString);
    await app.deps.keyUsage.flush();
    clock.set('2026-03-13T08:00:00.000Z');
    await use(key.keyString);

    const { days } = await caller.keys.usage({ id: key.id });
    expect(days).toHaveLength(14);
    expect(days[0]!.date).toBe('2026-02-28');
    expect(days.at(-1)!.date).toBe('2026-03-13');
    expect(days.slice(-4)).toEqual([
      succeededOnly('2026-03-10', 2),
      succeededOnly('2026-03-11', 3),
      succeededOnly('2026-03-12', 0),
      succeededOnly('2026-03-13', 1),
    ]);
    expect(days.slice(0, -4).every((d) => d.requests === 0)).toBe(true);
    for (let i = 1; i < days.length; i++) {
      expect(Date.parse(days[i]!.date) - Date.parse(days[i - 1]!.date)).toBe(86_400_000);
    }
    expect((await caller.keys.usage({ id: key.id, days: 1 })).days).toEqual([succeededOnly('2026-03-13', 1)]);
    const ninety = (await caller.keys.usage({ id: key.id, days: 90 })).days;
    expect(ninety).toHaveLength(90);
    expect(ninety.reduce((sum, d) => sum + d.requests, 0)).toBe(6);
    // Older rows fall outside the window.
    expect((await caller.keys.usage({ id: key.id, days: 3 })).days.map((d) => d.requests)).toEqual([3, 0, 1]);
  });

  it('refuses bad day counts, other orgs, unknown and revoked keys, and non-admins', async () => {
    const { org, caller, key } = await setup();
    const other = await setup();
    for (const days of [0, 91, 1.5, -1]) {
      await expectTrpcError(caller.keys.usage({ id: key.id, days }), 'BAD_REQUEST');
    }
    await expectTrpcError(caller.keys.usage({ id: other.key.id }), 'NOT_FOUND');
    await expectTrpcError(caller.keys.usage({ id: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
    await expectTrpcError(caller.keys.usage({ id: key.id, extra: true } as never), 'BAD_REQUEST');
    const member = await seedUser(app.deps.db, { orgId: org.id });
    await expectTrpcError(
      app.caller(await sessionRequest(app, member.id)).keys.usage({ id: key.id }),
      'FORBIDDEN',
      'admin_required',
    );
    await expectTrpcError(app.caller(keyRequest(key.keyString)).keys.usage({ id: key.id }), 'FORBIDDEN');
    await caller.keys.revoke({ id: key.id });
    await expectTrpcError(caller.keys.usage({ id: key.id }), 'NOT_FOUND');
  });
});
