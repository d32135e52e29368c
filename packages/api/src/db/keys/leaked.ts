import { and, desc, eq, gt, gte, isNull, or } from 'drizzle-orm';
import type { Database } from '../create-database';
import { apiKeys } from '../schema';

/** Keys of the org revoked by a leak report at or after `since`, newest revoke first (SPEC §5 `revokedForLeak`). */
export function selectRevokedForLeak(db: Database, orgId: string, since: Date) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      clientKey: apiKeys.clientKey,
      leakedAt: apiKeys.leakedAt,
      leakedUrl: apiKeys.leakedUrl,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.revokedForLeak, true), gte(apiKeys.revokedAt, since)))
    .orderBy(desc(apiKeys.revokedAt), desc(apiKeys.id));
}

/**
 * Unrevoked keys whose current secret, or previous secret still in its overlap at `now`, has this
 * HMAC: a leak report that carries the secret alone. One statement over the two partial hash indexes.
 */
export function findKeysBySecretHash(db: Database, hash: Buffer, now: Date) {
  return db
    .select({ id: apiKeys.id, orgId: apiKeys.orgId })
    .from(apiKeys)
    .where(
      and(
        isNull(apiKeys.revokedAt),
        or(
          eq(apiKeys.secretHash, hash),
          and(eq(apiKeys.previousSecretHash, hash), gt(apiKeys.previousSecretValidUntil, now)),
        ),
      ),
    )
    .limit(10);
}

/** The unrevoked key with this client key (a full key string reported, legacy ones included). */
export async function findKeyIdByClientKey(db: Database, clientKey: string) {
  const [row] = await db
    .select({ id: apiKeys.id, orgId: apiKeys.orgId })
    .from(apiKeys)
    .where(and(eq(apiKeys.clientKey, clientKey), isNull(apiKeys.revokedAt)));
  return row;
}

/** The key keeps working, with the warning (`notify`): where and when it was found. */
export async function flagKeyLeaked(
  tx: Database,
  id: string,
  leak: { at: Date; url: string | null; source: string | null },
): Promise<void> {
  await tx
    .update(apiKeys)
    .set({ leakedAt: leak.at, leakedUrl: leak.url, leakedSource: leak.source, updatedAt: leak.at })
    .where(eq(apiKeys.id, id));
}

/** A leaked previous secret stops at once: the overlap of the last regenerate ends. */
export async function endPreviousSecret(tx: Database, id: string, now: Date): Promise<void> {
  await tx
    .update(apiKeys)
    .set({ previousSecretHash: null, previousSecretValidUntil: null, updatedAt: now })
    .where(eq(apiKeys.id, id));
}
