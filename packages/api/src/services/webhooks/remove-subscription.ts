import type { Database } from '../../db';
import { deleteSubscription, type SubscriptionRow } from '../../db/webhooks/subscriptions';
import type { AuditWriter } from '../audited';
import { webhookTarget } from './webhook-target';

/**
 * Deletes a subscription the unit of work has already found (its deliveries cascade) and audits it
 * under `action`, naming the key it belonged to: a key's unsubscribe, an admin's delete, and a
 * receiver's 410 (`details.reason`).
 */
export async function removeSubscription(
  tx: Database,
  audit: AuditWriter,
  row: Pick<SubscriptionRow, 'id' | 'url' | 'keyId'>,
  action: 'webhook.unsubscribed' | 'webhook.deleted',
  details: Record<string, unknown> = {},
): Promise<void> {
  await deleteSubscription(tx, row.id);
  await audit(action, webhookTarget(row), { keyId: row.keyId, ...details });
}
