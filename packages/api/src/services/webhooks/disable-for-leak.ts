import type { Database } from '../../db';
import { failPendingDeliveries } from '../../db/webhooks/deliveries';
import { disableKeySubscriptions } from '../../db/webhooks/subscriptions';
import type { AuditWriter } from '../audited';
import { webhookTarget } from './webhook-target';

/**
 * SPEC §12: a leaked key's enabled subscriptions stop (`key_leaked`), in the leak's unit of work, each
 * audited `webhook.disabled` like the failures path; their waiting deliveries end as failed. Kept, not
 * deleted, so the admin sees what the key had attached. The number disabled.
 */
export async function disableWebhooksOfLeakedKey(
  tx: Database,
  audit: AuditWriter,
  keyId: string,
  now: Date,
): Promise<number> {
  const disabled = await disableKeySubscriptions(tx, keyId, 'key_leaked', now);
  for (const sub of disabled) {
    await failPendingDeliveries(tx, sub.id, 'subscription_disabled');
    await audit('webhook.disabled', webhookTarget(sub), { keyId, reason: 'key_leaked' });
  }
  return disabled.length;
}
