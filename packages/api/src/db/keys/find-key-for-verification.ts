import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../create-database';
import { apiKeys, orgs, users } from '../schema';

/**
 * The unrevoked key with this client key, its org, and the user it is issued to (null for an
 * org-wide key): everything a verification needs, in one statement. Undefined when there is none.
 */
export async function findKeyForVerification(db: Database, clientKey: string) {
  const [row] = await db
    .select({ key: apiKeys, org: orgs, user: users })
    .from(apiKeys)
    .innerJoin(orgs, eq(orgs.id, apiKeys.orgId))
    .leftJoin(users, eq(users.id, apiKeys.issuedToUserId))
    .where(and(eq(apiKeys.clientKey, clientKey), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row;
}
