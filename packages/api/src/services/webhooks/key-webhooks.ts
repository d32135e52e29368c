import { findSubscription, listKeySubscriptions } from '../../db/webhooks/subscriptions';
import type { AppDeps } from '../../deps';
import type { KeyActor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { removeSubscription } from './remove-subscription';
import { toWebhookView, type WebhookView } from './views';
import { webhookNotFound } from './webhook-target';

/** The calling key's own subscriptions, oldest first. */
export async function listKeyWebhooks(deps: AppDeps, actor: KeyActor): Promise<WebhookView[]> {
  return (await listKeySubscriptions(deps.db, actor.authority.keyId)).map(toWebhookView);
}

/** A key removes one of its own subscriptions; another key's is NOT_FOUND like an unknown id. */
export async function unsubscribeWebhook(
  deps: AppDeps,
  actor: KeyActor,
  input: { id: string },
  write?: IdempotentWrite,
): Promise<{ ok: true }> {
  return audited(
    deps,
    actor,
    async (tx, audit) => {
      const row = await findSubscription(tx, actor.orgId, input.id);
      if (!row || row.keyId !== actor.authority.keyId) throw webhookNotFound();
      await removeSubscription(tx, audit, row, 'webhook.unsubscribed');
      return { ok: true as const };
    },
    { write },
  );
}
