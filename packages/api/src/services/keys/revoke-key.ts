import { revokeKeyRow } from '../../db/keys/key-writes';
import { deleteKeySubscriptions } from '../../db/webhooks/subscriptions';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { keyTarget } from './key-target';
import { lockActiveKey } from './lock-active-key';

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
    async (tx, audit, { now, publish }) => {
      const row = await lockActiveKey(tx, actor.orgId, input.id);
      await revokeKeyRow(tx, row.id, now);
      // SPEC §11: a revoked key's webhook subscriptions go with it (their pending deliveries too).
      const webhooks = await deleteKeySubscriptions(tx, row.id);
      await audit('key.revoked', keyTarget(row), {
        scope: row.scope,
        clientKey: row.clientKey,
        webhooksDeleted: webhooks,
      });
      publish({ kind: 'key', id: row.id });
      return { ok: true as const };
    },
    { write },
  );
}
