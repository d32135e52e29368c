import {
  checkMutable,
  checkOverlapSeconds,
  generateSecret,
  joinKeyString,
  unwrapPolicy,
} from '@keyhole/core';
import { eq } from 'drizzle-orm';
import { SYSTEM_AUTHORITY } from '../../auth/authority';
import { storeKeySecret } from '../../auth/key-secrets';
import { lockActor } from '../../auth/lock-actor';
import { apiKeys } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { recordAudit } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { type KeyAdmin, keyTarget } from './key-admin';
import { lockActiveKey } from './lock-active-key';
import { type KeyView, selectKeyViews } from './views';

/**
 * A new secret for the same key (same client key, name, scope, issuedTo, creator, dates and limit).
 * The old secret stops at once, or after `previousSecretValidForSeconds`; only the secret being
 * replaced can overlap, so regenerating again ends any earlier overlap.
 */
export async function regenerateKey(
  deps: AppDeps,
  admin: KeyAdmin,
  input: { id: string; previousSecretValidForSeconds?: number },
  write?: IdempotentWrite,
): Promise<{ key: KeyView; secret: string }> {
  const now = deps.clock.now();
  const overlapSeconds = unwrapPolicy(checkOverlapSeconds(input.previousSecretValidForSeconds));
  const result = await mutationTransaction(deps.db, write, async (tx) => {
    // FOR SHARE on the admin's own rows only: other admins' key changes in the org do not queue.
    await lockActor(tx, admin.authority ?? SYSTEM_AUTHORITY, now);
    const row = await lockActiveKey(tx, admin.orgId, input.id);
    unwrapPolicy(checkMutable(row.scope));
    const secret = generateSecret();
    const previousSecretValidUntil =
      overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000) : null;
    await tx
      .update(apiKeys)
      .set({
        ...storeKeySecret(deps.keyring, row.clientKey, secret),
        previousSecretHash: previousSecretValidUntil ? row.secretHash : null,
        previousSecretValidUntil,
        updatedAt: now,
      })
      .where(eq(apiKeys.id, row.id));
    await recordAudit(tx, {
      orgId: admin.orgId,
      at: now,
      actor: admin.actor,
      action: 'key.regenerated',
      target: keyTarget(row),
      details: {
        previousSecretValidForSeconds: overlapSeconds,
        previousSecretValidUntil: previousSecretValidUntil?.toISOString() ?? null,
      },
      origin: admin.origin,
    });
    const [key] = await selectKeyViews(tx, admin.orgId, eq(apiKeys.id, row.id));
    return { key: key!, secret: joinKeyString(row.clientKey, secret) };
  });
  await deps.changes.publish({ kind: 'key', id: result.key.id });
  return result;
}
