import { checkKeyLimit, KeyholeError, unwrapPolicy } from '@keyhole/core';
import { and, count, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db';
import { apiKeys, orgs } from '../../db/schema';

export type NewApiKeyRow = typeof apiKeys.$inferInsert & { orgId: string };

/**
 * Inserts a key unless the org already holds 10 that are not revoked (legacy and expired count).
 * The org row is locked first, so concurrent creates and imports for one org take turns and the
 * count each one sees includes the others' inserts: the limit holds under any concurrency.
 */
export async function insertKeyWithinLimit(tx: Database, values: NewApiKeyRow) {
  await lockOrgForKeyCount(tx, values.orgId);
  return insertKeyUnderOrgLock(tx, values);
}

/**
 * The org row, `FOR NO KEY UPDATE` (creates and imports of one org take turns; the foreign-key checks
 * of other writes in the org do not wait for it). Take it before any other lock of the transaction.
 */
export async function lockOrgForKeyCount(tx: Database, orgId: string): Promise<void> {
  const [org] = await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).for('no key update');
  if (!org) throw new KeyholeError('NOT_FOUND', 'No such organization.');
}

/** `insertKeyWithinLimit` for a transaction that already holds `lockOrgForKeyCount`. */
export async function insertKeyUnderOrgLock(tx: Database, values: NewApiKeyRow) {
  const [used] = await tx
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, values.orgId), isNull(apiKeys.revokedAt)));
  unwrapPolicy(checkKeyLimit(used?.n ?? 0));
  const [row] = await tx.insert(apiKeys).values(values).returning();
  return row!;
}
