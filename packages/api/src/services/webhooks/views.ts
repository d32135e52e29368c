import type { DeliveryStatus, Scope, WebhookDisabledReason, WebhookEvent } from '@keyhole/core';
import type { DeliveryWithType } from '../../db/webhooks/deliveries';
import type { SubscriptionRow } from '../../db/webhooks/subscriptions';

/** SPEC §11 `WebhookView`. */
export interface WebhookView {
  id: string;
  keyId: string;
  url: string;
  events: WebhookEvent[];
  enabled: boolean;
  disabledReason: WebhookDisabledReason | null;
  createdAt: Date;
}

export interface OrgWebhookView extends WebhookView {
  key: { id: string; name: string; scope: Scope };
}

/**
 * SPEC §11 `Delivery`, with why the last attempt failed when it got no status (`error`: blocked,
 * timeout, connect…, `subscription_disabled`) and the first KiB of the receiver's answer.
 */
export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  type: WebhookEvent;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  error: string | null;
  responseBody: string | null;
}

export const toWebhookView = (s: SubscriptionRow): WebhookView => ({
  id: s.id,
  keyId: s.keyId,
  url: s.url,
  events: s.events,
  enabled: s.enabled,
  disabledReason: s.disabledReason,
  createdAt: s.createdAt,
});

export const toDeliveryView = (d: DeliveryWithType): DeliveryView => ({
  id: d.id,
  subscriptionId: d.subscriptionId,
  eventId: d.eventId,
  type: d.type,
  status: d.status,
  attempts: d.attempts,
  responseStatus: d.responseStatus,
  durationMs: d.durationMs,
  nextAttemptAt: d.nextAttemptAt,
  createdAt: d.createdAt,
  error: d.error,
  responseBody: d.responseBody,
});
