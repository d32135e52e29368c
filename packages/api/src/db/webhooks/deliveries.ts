import type { DeliveryStatus, WebhookEvent } from '@keyhole/core';
import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { isUuid } from '../../lib/uuid';
import type { Database } from '../create-database';
import { apiKeys, orgs, users, webhookDeliveries, webhookEvents, webhookSubscriptions } from '../schema';

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type DeliveryWithType = DeliveryRow & { type: WebhookEvent };

/** One event row per type and one delivery per (event, subscription); the delivery ids made. */
export async function insertEventDeliveries(
  tx: Database,
  input: {
    orgId: string;
    meetingId: string;
    at: Date;
    fanout: { type: WebhookEvent; subscriptionIds: string[] }[];
  },
): Promise<string[]> {
  const wanted = input.fanout.filter((f) => f.subscriptionIds.length > 0);
  if (wanted.length === 0) return [];
  const events = await tx
    .insert(webhookEvents)
    .values(
      wanted.map((f) => ({
        orgId: input.orgId,
        meetingId: input.meetingId,
        type: f.type,
        createdAt: input.at,
      })),
    )
    .returning({ id: webhookEvents.id, type: webhookEvents.type });
  const rows = events.flatMap((e) =>
    wanted
      .find((f) => f.type === e.type)!
      .subscriptionIds.map((subscriptionId) => ({
        orgId: input.orgId,
        subscriptionId,
        eventId: e.id,
        createdAt: input.at,
      })),
  );
  const made = await tx.insert(webhookDeliveries).values(rows).returning({ id: webhookDeliveries.id });
  return made.map((d) => d.id);
}

/** A new delivery of an event already sent (an admin's redeliver). */
export async function insertRedelivery(tx: Database, from: DeliveryRow, at: Date): Promise<DeliveryRow> {
  const [row] = await tx
    .insert(webhookDeliveries)
    .values({ orgId: from.orgId, subscriptionId: from.subscriptionId, eventId: from.eventId, createdAt: at })
    .returning();
  return row!;
}

/**
 * Everything one attempt needs, in one statement: the delivery, its subscription and event, and the
 * subscription's key with that key's user and org (the key's access at delivery time). No lock: the
 * POST that follows may take 10 s, and a twin attempt (a retried job) only means at-least-once.
 */
export async function deliveryContext(tx: Database, deliveryId: string) {
  const [row] = await tx
    .select({
      delivery: webhookDeliveries,
      subscription: webhookSubscriptions,
      event: webhookEvents,
      key: {
        id: apiKeys.id,
        scope: apiKeys.scope,
        issuedToUserId: apiKeys.issuedToUserId,
        expiresAt: apiKeys.expiresAt,
        revokedAt: apiKeys.revokedAt,
      },
      issuedToStatus: users.status,
      org: {
        id: orgs.id,
        orgFullKeysIncludePrivate: orgs.orgFullKeysIncludePrivate,
      },
    })
    .from(webhookDeliveries)
    .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .innerJoin(apiKeys, eq(apiKeys.id, webhookSubscriptions.keyId))
    .innerJoin(orgs, eq(orgs.id, webhookDeliveries.orgId))
    .leftJoin(users, eq(users.id, apiKeys.issuedToUserId))
    .where(eq(webhookDeliveries.id, deliveryId));
  return row;
}

export async function deleteDelivery(tx: Database, id: string): Promise<void> {
  await tx.delete(webhookDeliveries).where(eq(webhookDeliveries.id, id));
}

export async function lockDelivery(tx: Database, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).for('update');
  return row;
}

export async function recordAttempt(
  tx: Database,
  id: string,
  attempt: {
    status: DeliveryStatus;
    at: Date;
    responseStatus: number | null;
    durationMs: number | null;
    error: string | null;
    responseBody: string | null;
    nextAttemptAt: Date | null;
  },
): Promise<DeliveryRow> {
  const [row] = await tx
    .update(webhookDeliveries)
    .set({
      status: attempt.status,
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      responseStatus: attempt.responseStatus,
      durationMs: attempt.durationMs,
      error: attempt.error,
      responseBody: attempt.responseBody,
      firstAttemptAt: sql`coalesce(${webhookDeliveries.firstAttemptAt}, ${attempt.at.toISOString()}::timestamptz)`,
      lastAttemptAt: attempt.at,
      nextAttemptAt: attempt.nextAttemptAt,
    })
    .where(eq(webhookDeliveries.id, id))
    .returning();
  return row!;
}

/** A disabled subscription's waiting deliveries end as failed; re-enabling does not replay them. */
export async function failPendingDeliveries(
  tx: Database,
  subscriptionId: string,
  error: string,
): Promise<void> {
  await tx
    .update(webhookDeliveries)
    .set({ status: 'failed', nextAttemptAt: null, error })
    .where(
      and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.status, 'pending')),
    );
}

export async function findDelivery(
  db: Database,
  orgId: string,
  id: string,
): Promise<DeliveryWithType | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .select({ delivery: webhookDeliveries, type: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(eq(webhookDeliveries.orgId, orgId), eq(webhookDeliveries.id, id)));
  return row && { ...row.delivery, type: row.type };
}

/** Newest first, `limit + 1` rows after the cursor (created_at, id). */
export async function deliveryPage(
  db: Database,
  subscriptionId: string,
  after: { createdAt: Date; id: string } | null,
  limit: number,
): Promise<DeliveryWithType[]> {
  const rows = await db
    .select({ delivery: webhookDeliveries, type: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.subscriptionId, subscriptionId),
        after
          ? or(
              lt(webhookDeliveries.createdAt, after.createdAt),
              and(eq(webhookDeliveries.createdAt, after.createdAt), lt(webhookDeliveries.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit + 1);
  return rows.map((r) => ({ ...r.delivery, type: r.type }));
}

/** Retention (SPEC §11: 30 days): a bounded batch of the oldest deliveries, then their orphaned events. */
export async function deleteDeliveriesBefore(db: Database, before: Date, batch = 1000): Promise<number> {
  const old = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(lt(webhookDeliveries.createdAt, before))
    .limit(batch);
  const gone = await db
    .delete(webhookDeliveries)
    .where(inArray(webhookDeliveries.id, old))
    .returning({ id: webhookDeliveries.id });
  const oldEvents = db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(lt(webhookEvents.createdAt, before))
    .limit(batch);
  await db.delete(webhookEvents).where(inArray(webhookEvents.id, oldEvents));
  return gone.length;
}
