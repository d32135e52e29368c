import type { Scope } from '@keyhole/core';
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/create-database';
import { apiKeys, users } from '../../db/schema';

/** SPEC §5 `KeyView`: what admins see of a key. Never the secret. */
export interface KeyView {
  id: string;
  name: string;
  scope: Scope;
  isLegacy: boolean;
  clientKey: string;
  issuedTo: { id: string; name: string; email: string; status: 'active' | 'deactivated' } | null;
  createdBy: { id: string; name: string; email: string } | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  rateLimitPerMinute: number | null;
}

const issuedTo = alias(users, 'issued_to');
const createdBy = alias(users, 'created_by');

/**
 * Non-revoked keys of an org matching `where`, newest first, with the people they name. Revoked keys
 * are tombstones for the audit log and never come back out of here.
 */
export async function selectKeyViews(
  db: Database,
  orgId: string,
  where?: SQL,
  /** Usage counted in memory but not yet written, so lastUsedAt is current on this process. */
  pendingLastUsedAt: (keyId: string) => Date | null = () => null,
): Promise<KeyView[]> {
  const rows = await db
    .select({
      key: {
        id: apiKeys.id,
        name: apiKeys.name,
        scope: apiKeys.scope,
        clientKey: apiKeys.clientKey,
        createdAt: apiKeys.createdAt,
        lastUsedAt: apiKeys.lastUsedAt,
        expiresAt: apiKeys.expiresAt,
        rateLimitPerMinute: apiKeys.rateLimitPerMinute,
      },
      issuedTo: { id: issuedTo.id, name: issuedTo.name, email: issuedTo.email, status: issuedTo.status },
      createdBy: { id: createdBy.id, name: createdBy.name, email: createdBy.email },
    })
    .from(apiKeys)
    .leftJoin(issuedTo, eq(issuedTo.id, apiKeys.issuedToUserId))
    .leftJoin(createdBy, eq(createdBy.id, apiKeys.createdByUserId))
    .where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt), where))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map(({ key, issuedTo, createdBy }) => {
    const pending = pendingLastUsedAt(key.id);
    const lastUsedAt =
      pending && (key.lastUsedAt === null || pending > key.lastUsedAt) ? pending : key.lastUsedAt;
    return {
      id: key.id,
      name: key.name,
      scope: key.scope,
      isLegacy: key.scope === 'legacy',
      clientKey: key.clientKey,
      issuedTo,
      createdBy,
      createdAt: key.createdAt.toISOString(),
      lastUsedAt: lastUsedAt?.toISOString() ?? null,
      expiresAt: key.expiresAt?.toISOString() ?? null,
      rateLimitPerMinute: key.rateLimitPerMinute,
    };
  });
}
