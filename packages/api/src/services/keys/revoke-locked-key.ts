import type { Database } from '../../db';
import type { ApiKeyRow } from '../../db/keys/active-key';
import { revokeKeyRow } from '../../db/keys/key-writes';
import { deleteKeySubscriptions } from '../../db/webhooks/subscriptions';
import type { AuditWriter, UnitOfWork } from '../audited';
import { disableWebhooksOfLeakedKey } from '../webhooks/disable-for-leak';
import { keyTarget } from './key-target';

/**
 * The part of a revoke both an admin and a leak report make, on a key row already locked in the
 * unit: wipe the secret material, audit `key.revoked`, and tell every process (the change feed, as
 * for any revoke). An admin's revoke deletes the key's subscriptions (SPEC §11); a leak's keeps them
 * disabled (`key_leaked`) so the admin can see what was attached.
 */
export async function revokeLockedKey(
  tx: Database,
  audit: AuditWriter,
  unit: Pick<UnitOfWork, 'now' | 'publish'>,
  row: ApiKeyRow,
  why: 'admin' | 'leaked',
): Promise<{ webhooks: number }> {
  await revokeKeyRow(tx, row.id, unit.now, why === 'leaked');
  const details: Record<string, unknown> = { scope: row.scope, clientKey: row.clientKey };
  let webhooks: number;
  if (why === 'leaked') {
    webhooks = await disableWebhooksOfLeakedKey(tx, audit, row.id, unit.now);
    Object.assign(details, { reason: 'leaked', webhooksDisabled: webhooks });
  } else {
    // SPEC §11: a revoked key's webhook subscriptions go with it (their pending deliveries too).
    webhooks = await deleteKeySubscriptions(tx, row.id);
    Object.assign(details, { webhooksDeleted: webhooks });
  }
  await audit('key.revoked', keyTarget(row), details);
  unit.publish({ kind: 'key', id: row.id });
  return { webhooks };
}
