import { eq } from 'drizzle-orm';
import { SYSTEM_AUTHORITY } from '../../auth/authority';
import { lockActor } from '../../auth/lock-actor';
import { apiKeys } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { recordAudit } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { type KeyAdmin, keyTarget } from './key-admin';
import { lockActiveKey } from './lock-active-key';

/**
 * Permanent and immediate: the secret material is wiped and the slot freed, while the row stays as a
 * tombstone so the audit log keeps naming the key. Every process drops its cached copy.
 */
export async function revokeKey(
  deps: AppDeps,
  admin: KeyAdmin,
  input: { id: string },
  write?: IdempotentWrite,
): Promise<{ ok: true }> {
  const now = deps.clock.now();
  const id = await mutationTransaction(
    deps.db,
    write,
    async (tx) => {
      // FOR SHARE on the admin's own rows only: other admins' key changes in the org do not queue.
      await lockActor(tx, admin.authority ?? SYSTEM_AUTHORITY, now);
      const row = await lockActiveKey(tx, admin.orgId, input.id);
      await tx
        .update(apiKeys)
        .set({
          revokedAt: now,
          secretHash: null,
          secretCiphertext: null,
          previousSecretHash: null,
          previousSecretValidUntil: null,
          updatedAt: now,
        })
        .where(eq(apiKeys.id, row.id));
      await recordAudit(tx, {
        orgId: admin.orgId,
        at: now,
        actor: admin.actor,
        action: 'key.revoked',
        target: keyTarget(row),
        details: { scope: row.scope, clientKey: row.clientKey },
        origin: admin.origin,
      });
      return row.id;
    },
    () => ({ ok: true }),
  );
  await deps.changes.publish({ kind: 'key', id });
  return { ok: true };
}
