import { and, desc, eq, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../create-database';
import { apiKeys, users } from '../schema';

/** Narrows `selectKeyRows`: `id` to the one key with that id, `issuedToUserId` to that user's keys. */
export interface KeyRowFilter {
  id?: string;
  issuedToUserId?: string;
}

const issuedTo = alias(users, 'issued_to');
const createdBy = alias(users, 'created_by');

/**
 * Non-revoked keys of an org matching `filter`, newest first, with the people they name. Revoked keys
 * are tombstones for the audit log and never come back out of here.
 */
export async function selectKeyRows(db: Database, orgId: string, filter: KeyRowFilter = {}) {
  return db
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
        leakedAt: apiKeys.leakedAt,
        leakedUrl: apiKeys.leakedUrl,
      },
      issuedTo: { id: issuedTo.id, name: issuedTo.name, email: issuedTo.email, status: issuedTo.status },
      createdBy: { id: createdBy.id, name: createdBy.name, email: createdBy.email },
    })
    .from(apiKeys)
    .leftJoin(issuedTo, eq(issuedTo.id, apiKeys.issuedToUserId))
    .leftJoin(createdBy, eq(createdBy.id, apiKeys.createdByUserId))
    .where(
      and(
        eq(apiKeys.orgId, orgId),
        isNull(apiKeys.revokedAt),
        filter.id !== undefined ? eq(apiKeys.id, filter.id) : undefined,
        filter.issuedToUserId !== undefined ? eq(apiKeys.issuedToUserId, filter.issuedToUserId) : undefined,
      ),
    )
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}
