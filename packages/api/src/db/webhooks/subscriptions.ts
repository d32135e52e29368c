import type { WebhookDisabledReason, WebhookEvent } from '@keyhole/core';
import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import { isUuid } from '../../lib/uuid';
import type { Database } from '../create-database';
import { apiKeys, webhookSubscriptions } from '../schema';

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

export async function insertSubscription(
  tx: Database,
  row: {
    id: string;
    orgId: string;
    keyId: string;
    url: string;
    events: WebhookEvent[];
    secretCiphertext: Buffer;
    createdAt: Date;
  },
): Promise<SubscriptionRow> {
  const [inserted] = await tx
    .insert(webhookSubscriptions)
    .values({ ...row, updatedAt: row.createdAt })
    .returning();
  return inserted!;
}

export async function countKeySubscriptions(tx: Database, keyId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.keyId, keyId));
  return row?.n ?? 0;
}

/** The key's row `FOR NO KEY UPDATE`: two subscribes of one key count its subscriptions one at a time. */
export async function lockKeyForSubscriptions(tx: Database, keyId: string): Promise<void> {
  await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, keyId)).for('no key update');
}

export function listKeySubscriptions(db: Database, keyId: string): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.keyId, keyId))
    .orderBy(asc(webhookSubscriptions.createdAt), asc(webhookSubscriptions.id));
}

export function listOrgSubscriptions(db: Database, orgId: string) {
  return db
    .select({
      subscription: webhookSubscriptions,
      key: { id: apiKeys.id, name: apiKeys.name, scope: apiKeys.scope },
    })
    .from(webhookSubscriptions)
    .innerJoin(apiKeys, eq(apiKeys.id, webhookSubscriptions.keyId))
    .where(eq(webhookSubscriptions.orgId, orgId))
    .orderBy(desc(webhookSubscriptions.createdAt), desc(webhookSubscriptions.id));
}

/** The subscription in this org, locked for the change, or undefined. */
export async function lockSubscription(
  tx: Database,
  orgId: string,
  id: string,
): Promise<SubscriptionRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await tx
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.orgId, orgId), eq(webhookSubscriptions.id, id)))
    .for('update');
  return row;
}

export async function findSubscription(
  db: Database,
  orgId: string,
  id: string,
): Promise<SubscriptionRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.orgId, orgId), eq(webhookSubscriptions.id, id)));
  return row;
}

export async function deleteSubscription(tx: Database, id: string): Promise<void> {
  await tx.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
}

/** A revoked key's subscriptions go with it (SPEC §11); their deliveries cascade. */
export async function deleteKeySubscriptions(tx: Database, keyId: string): Promise<number> {
  const gone = await tx
    .delete(webhookSubscriptions)
    .where(eq(webhookSubscriptions.keyId, keyId))
    .returning({ id: webhookSubscriptions.id });
  return gone.length;
}

/** The key's enabled subscriptions, turned off with this reason (a leak); the rows as they were. */
export async function disableKeySubscriptions(
  tx: Database,
  keyId: string,
  reason: WebhookDisabledReason,
  at: Date,
): Promise<SubscriptionRow[]> {
  return tx
    .update(webhookSubscriptions)
    .set({ enabled: false, disabledReason: reason, updatedAt: at })
    .where(and(eq(webhookSubscriptions.keyId, keyId), eq(webhookSubscriptions.enabled, true)))
    .returning();
}

/** Whether the subscription's key is revoked (a leak revoke keeps its subscriptions, disabled). */
export async function subscriptionKeyRevoked(tx: Database, keyId: string): Promise<boolean> {
  const [row] = await tx.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, keyId));
  return row?.revokedAt != null;
}

export async function setSubscriptionEnabled(
  tx: Database,
  id: string,
  change: { enabled: true; at: Date } | { enabled: false; reason: WebhookDisabledReason; at: Date },
): Promise<SubscriptionRow> {
  const [row] = await tx
    .update(webhookSubscriptions)
    .set(
      change.enabled
        ? { enabled: true, disabledReason: null, consecutiveFailures: 0, updatedAt: change.at }
        : { enabled: false, disabledReason: change.reason, updatedAt: change.at },
    )
    .where(eq(webhookSubscriptions.id, id))
    .returning();
  return row!;
}

/** Enabled subscriptions of the org that want this event (a JSON containment on the small `events` list). */
export function subscriptionsForEvent(tx: Database, orgId: string, type: WebhookEvent) {
  return tx
    .select({ id: webhookSubscriptions.id })
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.orgId, orgId),
        eq(webhookSubscriptions.enabled, true),
        sql`${webhookSubscriptions.events} @> ${JSON.stringify([type])}::jsonb`,
      ),
    );
}

/** After an attempt: a success resets the run of failures, a failure adds one; the new count. */
export async function countAttemptOutcome(tx: Database, id: string, succeeded: boolean): Promise<number> {
  const [row] = await tx
    .update(webhookSubscriptions)
    .set({
      consecutiveFailures: succeeded ? 0 : sql`${webhookSubscriptions.consecutiveFailures} + 1`,
    })
    .where(eq(webhookSubscriptions.id, id))
    .returning({ n: webhookSubscriptions.consecutiveFailures });
  return row?.n ?? 0;
}
