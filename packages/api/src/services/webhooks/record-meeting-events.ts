import type { WebhookEvent } from '@keyhole/core';
import type { Database } from '../../db';
import { insertEventDeliveries } from '../../db/webhooks/deliveries';
import { subscriptionsForEvent } from '../../db/webhooks/subscriptions';
import type { AppDeps } from '../../deps';

/**
 * The outbox (SPEC §11): inside the meeting change's own transaction, one event per type and one
 * delivery job per enabled subscription of the org that wants it, so the change and its deliveries
 * commit or roll back together. Who may read the meeting is NOT decided here but when each delivery
 * is sent. An org without subscriptions pays one indexed read. Returns how many deliveries were made.
 */
export async function recordMeetingEvents(
  deps: AppDeps,
  tx: Database,
  input: { orgId: string; meetingId: string; types: WebhookEvent[]; at: Date },
): Promise<number> {
  const fanout = [];
  for (const type of input.types) {
    const subs = await subscriptionsForEvent(tx, input.orgId, type);
    fanout.push({ type, subscriptionIds: subs.map((s) => s.id) });
  }
  const deliveryIds = await insertEventDeliveries(tx, {
    orgId: input.orgId,
    meetingId: input.meetingId,
    at: input.at,
    fanout,
  });
  await deps.jobs.enqueue(
    tx,
    deliveryIds.map((deliveryId) => ({ deliveryId })),
  );
  return deliveryIds.length;
}
