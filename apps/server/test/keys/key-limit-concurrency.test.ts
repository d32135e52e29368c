import { apiKeys } from '@keyhole/api/internal/db/schema';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import type { KeyholeError } from '@keyhole/core';
import { TRPCError } from '@trpc/server';
import { and, count, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app';
import { isPostgres } from '../support/test-database';
import { auditFor, newOrgWithAdmin } from './key-test-helpers';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

async function activeKeys(orgId: string): Promise<number> {
  const [row] = await app.deps.db
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt)));
  return row!.n;
}

const reasonOf = (err: unknown) =>
  err instanceof TRPCError ? (err.cause as KeyholeError).reason : (err as KeyholeError).reason;

describe('the 10-key limit under concurrency', () => {
  it.skipIf(!isPostgres())('50 concurrent creates on PostgreSQL leave exactly 10 keys', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => caller.keys.create({ name: `race ${i}`, scope: 'org_limited' })),
    );
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(reasonOf(r.reason)).toBe('key_limit_reached');
    expect(await activeKeys(org.id)).toBe(10);
    expect(await auditFor(app, org.id, 'key.created')).toHaveLength(10);
    expect((await caller.keys.list()).used).toBe(10);
  });

  it.skipIf(!isPostgres())('creates and legacy imports racing together still stop at 10', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    await caller.keys.create({ name: 'existing', scope: 'org_full' });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? caller.keys.create({ name: `create ${i}`, scope: 'org_limited' })
          : importLegacyKey(app.deps, systemActor(org.id), { name: `import ${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(9);
    for (const r of results) {
      if (r.status === 'rejected') expect(reasonOf(r.reason)).toBe('key_limit_reached');
    }
    expect(await activeKeys(org.id)).toBe(10);
  });

  it('concurrent creates in two orgs do not share a budget', async () => {
    const a = await newOrgWithAdmin(app);
    const b = await newOrgWithAdmin(app);
    const results = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 ? a : b).caller.keys.create({ name: `k${i}`, scope: 'org_limited' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    expect(await activeKeys(a.org.id)).toBe(10);
    expect(await activeKeys(b.org.id)).toBe(10);
  });
});
