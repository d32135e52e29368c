import { checkOverlapSeconds, generateSecret, joinKeyString, unwrapPolicy } from '@keyhole/core';
import { storeKeySecret } from '../../auth/key-secrets';
import { replaceKeySecret } from '../../db/keys/key-writes';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { keyTarget } from './key-target';
import { lockMutableKey } from './lock-active-key';
import { type KeyView, selectKeyViews } from './views';

/**
 * A new secret for the same key (same client key, name, scope, issuedTo, creator, dates and limit).
 * The old secret stops at once, or after `previousSecretValidForSeconds`; only the secret being
 * replaced can overlap, so regenerating again ends any earlier overlap.
 */
export async function regenerateKey(
  deps: AppDeps,
  actor: Actor,
  input: { id: string; previousSecretValidForSeconds?: number },
  write?: IdempotentWrite,
): Promise<{ key: KeyView; secret: string }> {
  const overlapSeconds = unwrapPolicy(checkOverlapSeconds(input.previousSecretValidForSeconds));
  return audited(
    deps,
    actor,
    async (tx, audit, { now, publish }) => {
      const row = await lockMutableKey(tx, actor.orgId, input.id);
      const secret = generateSecret();
      const previousSecretValidUntil =
        overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000) : null;
      await replaceKeySecret(tx, row.id, {
        ...storeKeySecret(deps.keyring, row.clientKey, secret),
        previousSecretHash: previousSecretValidUntil ? row.secretHash : null,
        previousSecretValidUntil,
        updatedAt: now,
      });
      await audit('key.regenerated', keyTarget(row), {
        previousSecretValidForSeconds: overlapSeconds,
        previousSecretValidUntil: previousSecretValidUntil?.toISOString() ?? null,
      });
      const [key] = await selectKeyViews(tx, actor.orgId, { id: row.id });
      publish({ kind: 'key', id: key!.id });
      return { key: key!, secret: joinKeyString(row.clientKey, secret) };
    },
    { write },
  );
}
