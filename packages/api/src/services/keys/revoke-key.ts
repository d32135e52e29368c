import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { lockActiveKey } from './lock-active-key';
import { revokeLockedKey } from './revoke-locked-key';

/**
 * Permanent and immediate: the secret material is wiped and the slot freed, while the row stays as a
 * tombstone so the audit log keeps naming the key. Every process drops its cached copy. Its webhook
 * subscriptions are deleted.
 */
export async function revokeKey(
  deps: AppDeps,
  actor: Actor,
  input: { id: string },
  write?: IdempotentWrite,
): Promise<{ ok: true }> {
  return audited(
    deps,
    actor,
    async (tx, audit, unit) => {
      const row = await lockActiveKey(tx, actor.orgId, input.id);
      await revokeLockedKey(tx, audit, unit, row, 'admin');
      return { ok: true as const };
    },
    { write },
  );
}
