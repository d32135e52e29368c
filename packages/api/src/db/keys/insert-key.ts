import { and, count, eq, isNull } from 'drizzle-orm';
import type { Database } from '../create-database';
import { apiKeys } from '../schema';
import type { ApiKeyRow } from './active-key';

export type NewApiKeyRow = typeof apiKeys.$inferInsert & { orgId: string };

/** How many keys of the org are not revoked (legacy and expired ones count). */
export async function countUnrevokedKeys(tx: Database, orgId: string): Promise<number> {
  const [used] = await tx
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt)));
  return used?.n ?? 0;
}

/** Inserts one key row and returns it. */
export async function insertKeyRow(tx: Database, values: NewApiKeyRow): Promise<ApiKeyRow> {
  const [row] = await tx.insert(apiKeys).values(values).returning();
  return row!;
}

/** Whether any key, revoked ones included, already has this client key. */
export async function isClientKeyTaken(db: Database, clientKey: string): Promise<boolean> {
  const [taken] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.clientKey, clientKey));
  return taken !== undefined;
}
