import { KeyholeError } from '@keyhole/core';
import {
  deliveryPage,
  failPendingDeliveries,
  findDelivery,
  insertRedelivery,
} from '../../db/webhooks/deliveries';
import {
  findSubscription,
  listOrgSubscriptions,
  lockSubscription,
  setSubscriptionEnabled,
  subscriptionKeyRevoked,
} from '../../db/webhooks/subscriptions';
import type { AppDeps } from '../../deps';
import { hmacSha256 } from '../../lib/keyring';
import { keysetPage } from '../../lib/keyset-page';
import type { SessionActor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { removeSubscription } from './remove-subscription';
import {
  type DeliveryView,
  type OrgWebhookView,
  toDeliveryView,
  toWebhookView,
  type WebhookView,
} from './views';
import { webhookNotFound, webhookTarget } from './webhook-target';

/** Every subscription of the org, newest first, with the key it belongs to (admins). */
export async function listOrgWebhooks(deps: AppDeps, actor: SessionActor): Promise<OrgWebhookView[]> {
  const rows = await listOrgSubscriptions(deps.db, actor.orgId);
  return rows.map((r) => ({ ...toWebhookView(r.subscription), key: r.key }));
}

/**
 * An admin turns a subscription off (reason `admin`) or on again. Off: its waiting deliveries end as
 * failed. On: the run of failures starts again from zero, and what it missed is not replayed.
 */
export async function setWebhookEnabled(
  deps: AppDeps,
  actor: SessionActor,
  input: { id: string; enabled: boolean },
  write?: IdempotentWrite,
): Promise<WebhookView> {
  return audited(
    deps,
    actor,
    async (tx, audit, { now }) => {
      const row = await lockSubscription(tx, actor.orgId, input.id);
      if (!row) throw webhookNotFound();
      if (row.enabled === input.enabled) return toWebhookView(row);
      // A key revoked for a leak keeps its subscriptions (disabled) for the record; they can never send again.
      if (input.enabled && (await subscriptionKeyRevoked(tx, row.keyId))) {
        throw new KeyholeError(
          'PRECONDITION_FAILED',
          'The key of this subscription was revoked (its secret leaked): it cannot be enabled again. Subscribe again with a new key, then delete this one.',
          'webhook_key_revoked',
        );
      }
      const changed = input.enabled
        ? await setSubscriptionEnabled(tx, row.id, { enabled: true, at: now })
        : await setSubscriptionEnabled(tx, row.id, { enabled: false, reason: 'admin', at: now });
      if (!input.enabled) await failPendingDeliveries(tx, row.id, 'subscription_disabled');
      await audit(input.enabled ? 'webhook.enabled' : 'webhook.disabled', webhookTarget(row), {
        keyId: row.keyId,
        ...(input.enabled ? { previousReason: row.disabledReason } : { reason: 'admin' }),
      });
      return toWebhookView(changed);
    },
    { write },
  );
}

export async function deleteWebhook(
  deps: AppDeps,
  actor: SessionActor,
  input: { id: string },
  write?: IdempotentWrite,
): Promise<{ ok: true }> {
  return audited(
    deps,
    actor,
    async (tx, audit) => {
      const row = await lockSubscription(tx, actor.orgId, input.id);
      if (!row) throw webhookNotFound();
      await removeSubscription(tx, audit, row, 'webhook.deleted');
      return { ok: true as const };
    },
    { write },
  );
}

const invalidCursor = () =>
  new KeyholeError(
    'BAD_REQUEST',
    'cursor: not a cursor from a previous webhooks.deliveries page.',
    'invalid_cursor',
  );

/** Keyset position, bound to its subscription by a keyed hash so a cursor cannot be carried to another. */
function encodeCursor(key: Buffer, subscriptionId: string, d: { createdAt: Date; id: string }): string {
  const body = `${d.createdAt.toISOString()}|${d.id}`;
  const mac = hmacSha256(key, `webhooks.deliveries\0${subscriptionId}\0${body}`)
    .subarray(0, 12)
    .toString('base64url');
  return Buffer.from(`${body}|${mac}`, 'utf8').toString('base64url');
}

function decodeCursor(key: Buffer, subscriptionId: string, raw: string): { createdAt: Date; id: string } {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(raw)) throw invalidCursor();
  const [at, id, mac, ...rest] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  if (!at || !id || !mac || rest.length > 0) throw invalidCursor();
  const expected = hmacSha256(key, `webhooks.deliveries\0${subscriptionId}\0${at}|${id}`)
    .subarray(0, 12)
    .toString('base64url');
  const createdAt = new Date(at);
  if (mac !== expected || Number.isNaN(createdAt.getTime())) throw invalidCursor();
  return { createdAt, id };
}

/** A subscription's deliveries, newest first (admins). */
export async function listDeliveries(
  deps: AppDeps,
  actor: SessionActor,
  input: { id: string; cursor?: string | null; limit?: number },
): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
  const sub = await findSubscription(deps.db, actor.orgId, input.id);
  if (!sub) throw webhookNotFound();
  const limit = input.limit ?? 25;
  const after = input.cursor ? decodeCursor(deps.keyring.cursorHmac, sub.id, input.cursor) : null;
  const rows = await deliveryPage(deps.db, sub.id, after, limit);
  const { page, nextCursor } = keysetPage(rows, limit, (last) =>
    encodeCursor(deps.keyring.cursorHmac, sub.id, last),
  );
  return { items: page.map(toDeliveryView), nextCursor };
}

/**
 * Sends an event again as a new delivery (same `webhook-id`: receivers dedupe on it), to an enabled
 * subscription only. Subject to the key's access at delivery time like any other.
 */
export async function redeliver(
  deps: AppDeps,
  actor: SessionActor,
  input: { deliveryId: string },
  write?: IdempotentWrite,
): Promise<DeliveryView> {
  const result = await audited(
    deps,
    actor,
    async (tx, _audit, { now }) => {
      const from = await findDelivery(tx, actor.orgId, input.deliveryId);
      if (!from) throw new KeyholeError('NOT_FOUND', 'No such webhook delivery.');
      const sub = await lockSubscription(tx, actor.orgId, from.subscriptionId);
      if (!sub) throw new KeyholeError('NOT_FOUND', 'No such webhook delivery.');
      if (!sub.enabled) {
        throw new KeyholeError('CONFLICT', 'This subscription is disabled. Enable it before redelivering.');
      }
      const row = await insertRedelivery(tx, from, now);
      await deps.jobs.enqueue(tx, [{ deliveryId: row.id }]);
      return toDeliveryView({ ...row, type: from.type });
    },
    { write },
  );
  deps.jobs.wake();
  return result;
}
