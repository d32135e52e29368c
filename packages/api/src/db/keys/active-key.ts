import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../create-database';
import { apiKeys } from '../schema';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

const active = (orgId: string, id: string) =>
  and(eq(apiKeys.id, id), eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt));

/** The org's non-revoked key with this id, locked (FOR UPDATE) for the rest of the transaction; else undefined. */
export async function selectActiveKeyForUpdate(
  tx: Database,
  orgId: string,
  id: string,
): Promise<ApiKeyRow | undefined> {
  const [row] = await tx.select().from(apiKeys).where(active(orgId, id)).for('update');
  return row;
}

/** The id of the org's non-revoked key with this id, or undefined. */
export async function findActiveKeyId(db: Database, orgId: string, id: string): Promise<string | undefined> {
  const [row] = await db.select({ id: apiKeys.id }).from(apiKeys).where(active(orgId, id));
  return row?.id;
}
