import { randomUUID } from 'node:crypto';
import { KeyholeError, WEBHOOK_LIMITS, type WebhookEvent } from '@keyhole/core';
import {
  countKeySubscriptions,
  insertSubscription,
  lockKeyForSubscriptions,
} from '../../db/webhooks/subscriptions';
import type { AppDeps } from '../../deps';
import { checkWebhookUrl } from '../../lib/outbound/webhook-url';
import type { KeyActor } from '../actor';
import { audited } from '../audited';
import { toWebhookView, type WebhookView } from './views';
import { encryptWebhookSecret, newWebhookSecret } from './webhook-secret';
import { webhookTarget } from './webhook-target';

/**
 * A key subscribes a URL to events (SPEC §11). The URL is judged before the transaction (its host is
 * resolved: no lock is held while DNS answers) and again at every delivery's connect. The secret is
 * answered once and kept encrypted; 25 subscriptions per key, counted under the key's row lock.
 */
export async function subscribeWebhook(
  deps: AppDeps,
  actor: KeyActor,
  input: { url: string; events: WebhookEvent[] },
): Promise<{ subscription: WebhookView; secret: string }> {
  const checked = await checkWebhookUrl(input.url, deps.config.webhooks, deps.outboundLookup);
  if (!checked.ok) throw new KeyholeError('BAD_REQUEST', checked.message, 'webhook_url_not_allowed');
  const keyId = actor.authority.keyId;
  const id = randomUUID();
  const secret = newWebhookSecret();
  return audited(
    deps,
    actor,
    async (tx, audit, { now }) => {
      if ((await countKeySubscriptions(tx, keyId)) >= WEBHOOK_LIMITS.subscriptionsPerKey) {
        throw new KeyholeError(
          'CONFLICT',
          `This key already has ${WEBHOOK_LIMITS.subscriptionsPerKey} webhook subscriptions. Delete one before adding another.`,
          'webhook_limit_reached',
        );
      }
      const row = await insertSubscription(tx, {
        id,
        orgId: actor.orgId,
        keyId,
        url: input.url,
        events: input.events,
        secretCiphertext: encryptWebhookSecret(deps.keyring, id, secret),
        createdAt: now,
      });
      await audit('webhook.subscribed', webhookTarget(row), { keyId, events: input.events });
      return { subscription: toWebhookView(row), secret };
    },
    { lockFirst: (tx) => lockKeyForSubscriptions(tx, keyId) },
  );
}
