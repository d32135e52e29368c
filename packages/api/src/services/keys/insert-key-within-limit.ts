import { checkKeyLimit, unwrapPolicy } from '@keyhole/core';
import { and, count, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db';
import { apiKeys } from '../../db/schema';

export type NewApiKeyRow = typeof apiKeys.$inferInsert & { orgId: string };

/**
 * Inserts a key unless the org already holds 10 that are not revoked (legacy and expired count).
 * Call it in a unit of work that holds the org lock (`audited(…, { lockOrg: true })`): concurrent
 * creates and imports for one org then take turns and the count each one sees includes the others'
 * inserts, so the limit holds under any concurrency.
 */
export async function insertKeyWithinLimit(tx: Database, values: NewApiKeyRow) {
  const [used] = await tx
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, values.orgId), isNull(apiKeys.revokedAt)));
  unwrapPolicy(checkKeyLimit(used?.n ?? 0));
  const [row] = await tx.insert(apiKeys).values(values).returning();
  return row!;
}
