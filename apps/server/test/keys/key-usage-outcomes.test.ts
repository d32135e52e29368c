import { randomUUID } from 'node:crypto';
import { keyUsageDaily } from '@keyhole/api/internal/db/schema';
import type { ManualClock } from '@keyhole/api/internal/lib/clock';
import { httpQuery, trpcRequest } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKeyFor, keyRequest } from '../support/keys';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { newOrgWithAdmin } from './key-test-helpers';

let app: TestApp;
let clock: ManualClock;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  // Flushes only when a test asks (the longest interval allowed).
  app = await createTestApp({ env: { KEYHOLE_USAGE_FLUSH_MS: '5000', KEYHOLE_TRUST_PROXY: '1' } });
  clock = app.clock as ManualClock;
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const as = (keyString: string) => app.caller({ ...keyRequest(keyString), ip: uniqueIp() });
const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    () => 'refused',
  );

async function today(caller: ReturnType<TestApp['caller']>, keyId: string) {
  return (await caller.keys.usage({ id: keyId, days: 1 })).days[0]!;
}

describe('keys.usage by outcome (SPEC §5)', () => {
  it('counts each call made with the key once, by its final status class; requests is the sum', async () => {
    const { caller, admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
    const date = clock.now().toISOString().slice(0, 10);

    await as(key.keyString).whoami(); // 200
    await as(key.keyString).meetings.list({ limit: 5 }); // 200
    await settle(as(key.keyString).meetings.get({ id: randomUUID() })); // 404
    await settle(as(key.keyString).meetings.list({ limit: 0 })); // 400, input
    await settle(as(key.keyString).keys.list()); // 403, a key on a session procedure
    // 500: the database fails under the call (the key is cached, so only the read fails).
    vi.spyOn(app.deps.db, 'select').mockImplementation(() => {
      throw new Error('simulated driver failure');
    });
    await settle(as(key.keyString).meetings.get({ id: randomUUID() }));
    vi.restoreAllMocks();

    expect(await today(caller, key.id)).toEqual({
      date,
      requests: 6,
      succeeded: 2,
      clientErrors: 3,
      rateLimited: 0,
      serverErrors: 1,
    });
  });

  it('counts calls refused for the key’s rate limit as rateLimited', async () => {
    const { caller, admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'org_limited',
      rateLimitPerMinute: 2,
    });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await settle(as(key.keyString).whoami()));
    expect(outcomes).toEqual(['ok', 'ok', 'refused', 'refused', 'refused']);
    expect(await today(caller, key.id)).toMatchObject({
      requests: 5,
      succeeded: 2,
      rateLimited: 3,
      clientErrors: 0,
    });
  });

  it('does not count a wrong secret as the key’s call', async () => {
    const { caller, admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' });
    await caller.keys.regenerate({ id: key.id, previousSecretValidForSeconds: 0 });
    // The old secret of the very client key: unknown, so no call of the key.
    for (let i = 0; i < 3; i++) expect(await settle(as(key.keyString).whoami())).toBe('refused');
    expect(await today(caller, key.id)).toMatchObject({ requests: 0, succeeded: 0, clientErrors: 0 });
  });

  it('counts each call of an HTTP batch by its own status, and writes the outcomes with the flush', async () => {
    const { caller, admin } = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
    const opts = { authorization: `Bearer ${key.keyString}`, ip: uniqueIp() };
    const batch = await trpcRequest(server.url, {
      ...opts,
      path: `whoami,meetings.get,meetings.list?batch=1&input=${encodeURIComponent(
        JSON.stringify({ 1: { id: randomUUID() }, 2: { limit: 1 } }),
      )}`,
    });
    expect((batch.json as unknown[]).length).toBe(3);
    const single = await httpQuery(server.url, 'meetings.list', { limit: 1000 }, opts);
    expect(single.status).toBe(400);

    const expected = { requests: 4, succeeded: 2, clientErrors: 2, rateLimited: 0, serverErrors: 0 };
    expect(await today(caller, key.id)).toMatchObject(expected);
    await app.deps.keyUsage.flush();
    const rows = await app.deps.db.select().from(keyUsageDaily).where(eq(keyUsageDaily.keyId, key.id));
    expect(rows).toEqual([
      {
        keyId: key.id,
        day: clock.now().toISOString().slice(0, 10),
        requests: 4,
        clientErrors: 2,
        rateLimited: 0,
        serverErrors: 0,
      },
    ]);
    // Read back from the database alone, the same answer.
    expect(await today(caller, key.id)).toMatchObject(expected);
  });
});
