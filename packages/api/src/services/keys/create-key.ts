import {
  type CreatableScope,
  checkExpiresAt,
  checkIssuedTo,
  checkRateLimitPerMinute,
  generateKey,
  normalizeKeyName,
  unwrapPolicy,
} from '@keyhole/core';
import { storeKeySecret } from '../../auth/key-secrets';
import { lockUserForShare } from '../../db/users/lock-user';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { insertKeyWithinLimit } from './insert-key-within-limit';
import { keyTarget } from './key-target';
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
  actor: Actor,
  input: CreateKeyInput,
  write?: IdempotentWrite,
): Promise<{ key: KeyView; secret: string }> {
  const now = deps.clock.now();
  const name = unwrapPolicy(normalizeKeyName(input.name));
  const expiresAt = input.expiresAt ?? null;
  unwrapPolicy(checkExpiresAt(expiresAt, now));
  const rateLimitPerMinute = unwrapPolicy(checkRateLimitPerMinute(input.rateLimitPerMinute));
  const issuedToUserId = input.issuedToUserId ?? null;

  // The org row first (the key count needs it; setStatus takes it first too, so no lock cycle),
  // then the admin as still authorised: a deactivation or demotion meanwhile fails the request.
  return audited(
    deps,
    actor,
    async (tx, audit) => {
      // Shared lock: a deactivation of this user waits for the key to exist, then its event evicts it.
      const user =
        issuedToUserId !== null && isUuid(issuedToUserId)
          ? await lockUserForShare(tx, issuedToUserId)
          : undefined;
      unwrapPolicy(checkIssuedTo(input.scope, issuedToUserId, user ?? null, actor.orgId));

      const { clientKey, secret, keyString } = generateKey();
      const row = await insertKeyWithinLimit(tx, {
        orgId: actor.orgId,
        name,
        scope: input.scope,
        issuedToUserId,
        createdByUserId: actor.user?.id ?? null,
        clientKey,
        ...storeKeySecret(deps.keyring, clientKey, secret),
        createdAt: now,
        updatedAt: now,
        expiresAt,
        rateLimitPerMinute,
      });
      await audit('key.created', keyTarget(row), {
        scope: row.scope,
        clientKey,
        issuedToUserId,
        expiresAt: expiresAt?.toISOString() ?? null,
        rateLimitPerMinute,
      });
      const [key] = await selectKeyViews(tx, actor.orgId, { id: row.id });
      return { key: key!, secret: keyString };
    },
    { write, lockOrg: true, now },
  );
}
