import { afterFailedAttempt, checkKeyUsable, meetingAccessFor, WEBHOOK_LIMITS } from '@keyhole/core';
import { Webhook } from 'standardwebhooks';
import {
  deleteDelivery,
  deliveryContext,
  failPendingDeliveries,
  lockDelivery,
  recordAttempt,
} from '../../db/webhooks/deliveries';
import {
  countAttemptOutcome,
  lockSubscription,
  setSubscriptionEnabled,
} from '../../db/webhooks/subscriptions';
import type { AppDeps } from '../../deps';
import { type OutboundError, type OutboundResult, postWebhook } from '../../lib/outbound/post-webhook';
import { systemActor } from '../actor';
import { audited } from '../audited';
import { loadVisibleMeetingView } from '../meetings/load-visible-meeting';
import { removeSubscription } from './remove-subscription';
import { decryptWebhookSecret } from './webhook-secret';
import { webhookTarget } from './webhook-target';

/** The POST's outcome, or a failure before it (a secret that no longer decrypts). */
type AttemptResult =
  | Exclude<OutboundResult, { kind: 'failed' }>
  | { kind: 'failed'; error: OutboundError | 'secret_unreadable'; message: string; durationMs: number };

/** What one attempt did, for the worker's log and the tests. */
export type AttemptOutcome =
  | 'gone' // the delivery no longer exists, or was already settled
  | 'dropped' // the key cannot read the meeting now (or cannot read at all): nothing is sent, nothing kept
  | 'succeeded'
  | 'retrying'
  | 'failed' // given up, or the subscription is disabled
  | 'unsubscribed'; // the receiver answered 410: the subscription is deleted

/**
 * One attempt of one delivery (SPEC §11). The key's access is decided now, by the same SQL that
 * answers `meetings.get` for that key: a meeting made private since the event, an attendee removed,
 * `orgFullKeysIncludePrivate` turned off, a key expired or its user deactivated all mean the
 * delivery is dropped unsent. The POST runs outside any transaction; its outcome is then recorded in
 * one unit of work, with the next attempt's job (core's retry schedule) or the subscription's
 * disabling (50 consecutive failures, or a delivery failing for 24 h).
 */
export async function deliverOnce(deps: AppDeps, deliveryId: string): Promise<AttemptOutcome> {
  const ctx = await deliveryContext(deps.db, deliveryId);
  if (!ctx) return 'gone';
  if (ctx.delivery.status !== 'pending') return 'gone';
  const { delivery, subscription, event, key, org } = ctx;
  const sentAt = deps.clock.now();
  if (!subscription.enabled) {
    await deps.db.transaction((tx) => failPendingDeliveries(tx, subscription.id, 'subscription_disabled'));
    return 'failed';
  }
  const usable =
    key.revokedAt === null &&
    checkKeyUsable({ expiresAt: key.expiresAt, issuedToStatus: ctx.issuedToStatus }, sentAt).ok;
  const access = usable
    ? meetingAccessFor(
        { kind: 'key', orgId: org.id, scope: key.scope, issuedToUserId: key.issuedToUserId },
        { orgFullKeysIncludePrivate: org.orgFullKeysIncludePrivate },
      )
    : null;
  const meeting = access ? await loadVisibleMeetingView(deps.db, access, event.meetingId) : null;
  if (!meeting) {
    await deleteDelivery(deps.db, delivery.id);
    return 'dropped';
  }
  const secret = decryptWebhookSecret(deps.keyring, subscription.id, subscription.secretCiphertext);
  let result: AttemptResult;
  if (secret === null) {
    result = {
      kind: 'failed',
      error: 'secret_unreadable',
      message: 'The signing secret could not be read.',
      durationMs: 0,
    };
  } else {
    const body = JSON.stringify({
      type: event.type,
      timestamp: event.createdAt.toISOString(),
      data: meeting,
    });
    // webhook-id is the event's: stable across retries and redeliveries, so receivers dedupe on it.
    const headers = {
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(event.id, sentAt, body),
    };
    result = await postWebhook(subscription.url, {
      headers,
      body,
      policy: deps.config.webhooks,
      ...(deps.outboundLookup ? { lookup: deps.outboundLookup } : {}),
    });
  }
  return recordOutcome(deps, {
    deliveryId: delivery.id,
    subscriptionId: subscription.id,
    orgId: org.id,
    result,
  });
}

async function recordOutcome(
  deps: AppDeps,
  o: { deliveryId: string; subscriptionId: string; orgId: string; result: AttemptResult },
): Promise<AttemptOutcome> {
  const { result } = o;
  const succeeded = result.kind === 'response' && result.status >= 200 && result.status < 300;
  const outcome = await audited(deps, systemActor(o.orgId), async (tx, audit, { now }) => {
    const sub = await lockSubscription(tx, o.orgId, o.subscriptionId);
    const delivery = sub && (await lockDelivery(tx, o.deliveryId));
    if (!sub || !delivery || delivery.status !== 'pending') return 'gone' as const;
    const attempt = {
      at: now,
      responseStatus: result.kind === 'response' ? result.status : null,
      durationMs: Math.round(result.durationMs),
      error: result.kind === 'failed' ? result.error : null,
      responseBody: result.kind === 'response' ? result.body : result.message.slice(0, 1024),
    };
    if (result.kind === 'response' && result.status === 410) {
      // SPEC §8: the receiver says the hook is gone for good (Zapier's answer after a Zap is off).
      await removeSubscription(tx, audit, sub, 'webhook.deleted', { reason: 'receiver_gone' });
      return 'unsubscribed' as const;
    }
    const failures = await countAttemptOutcome(tx, sub.id, succeeded);
    if (succeeded) {
      await recordAttempt(tx, delivery.id, { ...attempt, status: 'succeeded', nextAttemptAt: null });
      return 'succeeded' as const;
    }
    const next = afterFailedAttempt({
      failedAttempts: delivery.attempts + 1,
      firstAttemptAt: delivery.firstAttemptAt ?? now,
      now,
      random: Math.random(),
      retryAfterSeconds: result.kind === 'response' ? result.retryAfterSeconds : null,
    });
    // The policy refused the destination (or the request could not be formed): trying again changes nothing.
    const final =
      result.kind === 'failed' && (result.error === 'blocked' || result.error === 'invalid_request');
    if (final && failures < WEBHOOK_LIMITS.consecutiveFailuresToDisable) {
      await recordAttempt(tx, delivery.id, { ...attempt, status: 'failed', nextAttemptAt: null });
      return 'failed' as const;
    }
    if (next.kind === 'give_up' || failures >= WEBHOOK_LIMITS.consecutiveFailuresToDisable) {
      await recordAttempt(tx, delivery.id, { ...attempt, status: 'failed', nextAttemptAt: null });
      await setSubscriptionEnabled(tx, sub.id, { enabled: false, reason: 'failures', at: now });
      await failPendingDeliveries(tx, sub.id, 'subscription_disabled');
      await audit('webhook.disabled', webhookTarget(sub), {
        keyId: sub.keyId,
        reason: 'failures',
        consecutiveFailures: failures,
      });
      return 'failed' as const;
    }
    await recordAttempt(tx, delivery.id, { ...attempt, status: 'pending', nextAttemptAt: next.retryAt });
    await deps.jobs.enqueue(tx, [{ deliveryId: delivery.id, startAfter: next.retryAt }]);
    return 'retrying' as const;
  });
  return outcome;
}
