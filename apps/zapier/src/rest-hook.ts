import type { Bundle, ZObject } from 'zapier-platform-core';
import { subscribeWebhook, unsubscribeWebhook } from './keyhole-api.js';
import type { WebhookEvent } from './keyhole-types.js';
import { orNothingFound } from './not-found.js';
import type { SubscribeData } from './webhook-delivery.js';

/**
 * The REST-hook life of an instant trigger (SPEC §8, §11): turning the Zap on subscribes Zapier's hook
 * URL to `event` with the connected key, turning it off deletes that subscription. One request each.
 */
export function restHook(event: WebhookEvent) {
  /** Zapier keeps the answer as `bundle.subscribeData`; the secret is shown by Keyhole only this once. */
  const performSubscribe = async (z: ZObject, bundle: Bundle): Promise<SubscribeData> => {
    if (!bundle.targetUrl) {
      throw new z.errors.Error(
        'Zapier did not give this Zap an address to send meetings to.',
        'no_target_url',
      );
    }
    const { subscription, secret } = await subscribeWebhook(z, bundle.targetUrl, [event]);
    return { id: subscription.id, secret };
  };

  /** A subscription already gone (deleted by an admin, the key revoked) is as good as deleted now. */
  const performUnsubscribe = async (z: ZObject, bundle: Bundle): Promise<{ ok: true }> => {
    const id = (bundle.subscribeData as Partial<SubscribeData> | undefined)?.id;
    if (typeof id !== 'string' || id === '') return { ok: true };
    await orNothingFound(unsubscribeWebhook(z, id));
    return { ok: true };
  };

  return { performSubscribe, performUnsubscribe };
}
