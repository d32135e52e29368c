import {
  type CreatableScope,
  checkExpiresAt,
  checkIssuedTo,
  checkRateLimitPerMinute,
  generateKey,
  normalizeKeyName,
  unwrapPolicy,
} from '@keyhole/core';
import { eq } from 'drizzle-orm';
import { SYSTEM_AUTHORITY } from '../../auth/authority';
import { storeKeySecret } from '../../auth/key-secrets';
import { lockActor } from '../../auth/lock-actor';
import { apiKeys, users } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { recordAudit } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { insertKeyUnderOrgLock, lockOrgForKeyCount } from './insert-key-within-limit';
import { type KeyAdmin, keyTarget } from './key-admin';
import { isUuid } from './lock-active-key';
import { type KeyView, selectKeyViews } from './views';

export interface CreateKeyInput {
  name: string;
  scope: CreatableScope;
  issuedToUserId?: string | null;
  expiresAt?: Date | null;
  rateLimitPerMinute?: number | null;
}

/** Mints a scoped key. The full key string is in the result and nowhere else, ever. */
export async function createKey(
  deps: AppDeps,
  admin: KeyAdmin,
  input: CreateKeyInput,
  write?: IdempotentWrite,
): Promise<{ key: KeyView; secret: string }> {
  const now = deps.clock.now();
  const name = unwrapPolicy(normalizeKeyName(input.name));
  const expiresAt = input.expiresAt ?? null;
  unwrapPolicy(checkExpiresAt(expiresAt, now));
  const rateLimitPerMinute = unwrapPolicy(checkRateLimitPerMinute(input.rateLimitPerMinute));
  const issuedToUserId = input.issuedToUserId ?? null;

  return mutationTransaction(deps.db, write, async (tx) => {
    // The org row first (the key count needs it; setStatus takes it first too, so no lock cycle),
    // then the admin as still authorised: a deactivation or demotion meanwhile fails the request.
    await lockOrgForKeyCount(tx, admin.orgId);
    await lockActor(tx, admin.authority ?? SYSTEM_AUTHORITY, now);
    // Shared lock: a deactivation of this user waits for the key to exist, then its event evicts it.
    const [user] =
      issuedToUserId !== null && isUuid(issuedToUserId)
        ? await tx
            .select({ orgId: users.orgId, status: users.status })
            .from(users)
            .where(eq(users.id, issuedToUserId))
            .for('share')
        : [];
    unwrapPolicy(checkIssuedTo(input.scope, issuedToUserId, user ?? null, admin.orgId));

    const { clientKey, secret, keyString } = generateKey();
    const row = await insertKeyUnderOrgLock(tx, {
      orgId: admin.orgId,
      name,
      scope: input.scope,
      issuedToUserId,
      createdByUserId: admin.actor.id,
      clientKey,
      ...storeKeySecret(deps.keyring, clientKey, secret),
      createdAt: now,
      updatedAt: now,
      expiresAt,
      rateLimitPerMinute,
    });
    await recordAudit(tx, {
      orgId: admin.orgId,
      at: now,
      actor: admin.actor,
      action: 'key.created',
      target: keyTarget(row),
      details: {
        scope: row.scope,
        clientKey,
        issuedToUserId,
        expiresAt: expiresAt?.toISOString() ?? null,
        rateLimitPerMinute,
      },
      origin: admin.origin,
    });
    const [key] = await selectKeyViews(tx, admin.orgId, eq(apiKeys.id, row.id));
    return { key: key!, secret: keyString };
  });
}
