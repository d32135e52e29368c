import { auditEvents, webhookDeliveries, webhookSubscriptions } from '@keyhole/api/internal/db/schema';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { deliverOnce } from '@keyhole/api/internal/services/webhooks/deliver';
import { deleteExpiredDeliveries } from '@keyhole/api/internal/services/webhooks/delivery-worker';
import { WEBHOOK_LIMITS } from '@keyhole/core';
import { callError } from '@keyhole/testing/errors';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor, keyRequest } from '../support/keys';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { LOOPBACK_DELIVERY_ENV, startReceiver } from './receiver';
import { webhookTeam } from './team';

/**
 * Subscriptions over their life (SPEC §11), on a manual clock with the worker off: each pending
 * delivery is attempted by `deliverOnce`, the worker's step, when the test says so.
 */
let app: TestApp;
let strict: TestApp;
const clock = new ManualClock('2026-07-01T08:00:00.000Z');

beforeAll(async () => {
  app = await createTestApp({ clock, env: { ...LOOPBACK_DELIVERY_ENV, KEYHOLE_WEBHOOK_WORKERS: '0' } });
  // The production policy: https only, public addresses only, any public host.
  strict = await createTestApp({
    clock,
    env: { KEYHOLE_WEBHOOK_WORKERS: '0', KEYHOLE_WEBHOOK_ALLOWED_HOSTS: '' },
  });
});
afterAll(async () => {
  await strict?.close();
  await app?.close();
});

const team = (on: TestApp = app) => webhookTeam(on, 'org_limited');

const pendingOf = async (subscriptionId: string) =>
  app.deps.db
    .select()
    .from(webhookDeliveries)
    .where(
      and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.status, 'pending')),
    );

const auditActions = async (orgId: string) =>
  (
    await app.deps.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.orgId, orgId))
  ).map((r) => r.action);

describe('webhook subscriptions (SPEC §11)', () => {
  it('refuses what may not receive deliveries, and bounds the input', async () => {
    const asKey = strict.caller(keyRequest((await team(strict)).key.keyString));
    const { key } = await team();
    for (const url of [
      'http://hooks.example.test/x', // http without KEYHOLE_WEBHOOK_ALLOW_HTTP
      'https://127.0.0.1/x',
      'https://10.0.0.7/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
      'https://localhost/x', // resolves to loopback
      'not a url',
    ]) {
      const e = await callError(asKey.webhooks.subscribe({ url, events: ['meeting.created'] }));
      expect({ url, code: e.code, reason: e.reason }).toEqual({
        url,
        code: 'BAD_REQUEST',
        reason: 'webhook_url_not_allowed',
      });
    }
    const loopbackOnly = app.caller(keyRequest(key.keyString));
    expect(
      (
        await callError(
          loopbackOnly.webhooks.subscribe({
            url: 'https://hooks.example.test/x',
            events: ['meeting.created'],
          }),
        )
      ).reason,
    ).toBe('webhook_url_not_allowed'); // not in KEYHOLE_WEBHOOK_ALLOWED_HOSTS: never resolved, never contacted
    for (const events of [[], ['meeting.created', 'meeting.created'], ['meeting.deleted']]) {
      const e = await callError(
        loopbackOnly.webhooks.subscribe({ url: 'http://127.0.0.1:9/x', events: events as never }),
      );
      expect(e.code).toBe('BAD_REQUEST');
      expect(
        e.fields?.some((f) => f === 'events' || f.startsWith('events.')),
        String(e.fields),
      ).toBe(true);
    }
    const long = `http://127.0.0.1:9/${'a'.repeat(WEBHOOK_LIMITS.urlMaxLength)}`;
    expect(
      (await callError(loopbackOnly.webhooks.subscribe({ url: long, events: ['meeting.created'] }))).fields,
    ).toContain('url');
    expect(await loopbackOnly.webhooks.list()).toEqual([]);
  });

  it('25 per key; list, unsubscribe, audit; another key cannot touch them; revoking the key deletes them', async () => {
    const { org, admin, key } = await team();
    const other = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
    const asKey = app.caller(keyRequest(key.keyString));
    const made = [];
    for (let i = 0; i < WEBHOOK_LIMITS.subscriptionsPerKey; i++) {
      made.push(
        await asKey.webhooks.subscribe({ url: `http://127.0.0.1:9/hook/${i}`, events: ['meeting.updated'] }),
      );
    }
    const e = await callError(
      asKey.webhooks.subscribe({ url: 'http://127.0.0.1:9/one-more', events: ['meeting.updated'] }),
    );
    expect([e.code, e.reason]).toEqual(['CONFLICT', 'webhook_limit_reached']);
    const sorted = (ids: string[]) => [...ids].sort();
    expect(sorted((await asKey.webhooks.list()).map((s) => s.id))).toEqual(
      sorted(made.map((m) => m.subscription.id)),
    );
    expect(await app.caller(keyRequest(other.keyString)).webhooks.list()).toEqual([]);
    // Another key's subscription is NOT_FOUND, like an unknown one.
    expect(
      (
        await callError(
          app.caller(keyRequest(other.keyString)).webhooks.unsubscribe({ id: made[0]!.subscription.id }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(await asKey.webhooks.unsubscribe({ id: made[0]!.subscription.id })).toEqual({ ok: true });
    expect((await callError(asKey.webhooks.unsubscribe({ id: made[0]!.subscription.id }))).code).toBe(
      'NOT_FOUND',
    );
    // The secret is stored encrypted, never in the clear.
    const rows = await app.deps.db
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.keyId, key.id));
    expect(rows).toHaveLength(24);
    for (const r of rows) {
      const secret = made.find((m) => m.subscription.id === r.id)!.secret;
      expect(Buffer.from(r.secretCiphertext).includes(Buffer.from(secret.slice(6), 'base64'))).toBe(false);
      expect(Buffer.from(r.secretCiphertext).toString('utf8')).not.toContain(secret);
    }
    await app.caller(await sessionRequest(app, admin.id)).keys.revoke({ id: key.id });
    expect(
      await app.deps.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.keyId, key.id)),
    ).toEqual([]);
    const actions = await auditActions(org.id);
    expect(actions.filter((a) => a === 'webhook.subscribed')).toHaveLength(25);
    expect(actions.filter((a) => a === 'webhook.unsubscribed')).toHaveLength(1);
  });

  it('50 consecutive failures disable the subscription (audited); re-enabling does not replay what it missed', async () => {
    const receiver = await startReceiver(() => ({ status: 500 }));
    try {
      const { org, key, hostSession, adminSession } = await team();
      const { subscription } = await app
        .caller(keyRequest(key.keyString))
        .webhooks.subscribe({ url: receiver.url, events: ['meeting.created'] });
      for (let i = 0; i < WEBHOOK_LIMITS.consecutiveFailuresToDisable; i++) {
        await app.caller(hostSession).meetings.create({
          subject: `Failing ${i}`,
          startAt: '2026-07-02T10:00:00Z',
          endAt: '2026-07-02T11:00:00Z',
        });
      }
      const pending = await pendingOf(subscription.id);
      expect(pending).toHaveLength(50);
      for (const [i, d] of pending.entries()) {
        const outcome = await deliverOnce(app.deps, d.id);
        expect(outcome, `attempt ${i + 1}`).toBe(i === 49 ? 'failed' : 'retrying');
        clock.advance(1000);
      }
      const [sub] = await app.deps.db
        .select()
        .from(webhookSubscriptions)
        .where(eq(webhookSubscriptions.id, subscription.id));
      expect(sub).toMatchObject({ enabled: false, disabledReason: 'failures', consecutiveFailures: 50 });
      expect(await pendingOf(subscription.id)).toEqual([]);
      expect((await auditActions(org.id)).filter((a) => a === 'webhook.disabled')).toHaveLength(1);
      // While disabled, changes raise nothing for it.
      await app.caller(hostSession).meetings.create({
        subject: 'Missed',
        startAt: '2026-07-03T10:00:00Z',
        endAt: '2026-07-03T11:00:00Z',
      });
      const view = await app.caller(adminSession).webhooks.setEnabled({ id: subscription.id, enabled: true });
      expect(view).toMatchObject({ enabled: true, disabledReason: null });
      expect(await pendingOf(subscription.id)).toEqual([]);
      expect((await auditActions(org.id)).filter((a) => a === 'webhook.enabled')).toHaveLength(1);
      expect(receiver.received).toHaveLength(50);
    } finally {
      await receiver.close();
    }
  });

  it('a delivery failing for 24 h is given up and its subscription disabled; a 410 deletes the subscription', async () => {
    let gone = false;
    const receiver = await startReceiver(() =>
      gone ? { status: 410 } : { status: 503, headers: { 'retry-after': '120' } },
    );
    try {
      const { org, key, hostSession } = await team();
      const { subscription } = await app
        .caller(keyRequest(key.keyString))
        .webhooks.subscribe({ url: receiver.url, events: ['meeting.created'] });
      await app
        .caller(hostSession)
        .meetings.create({ subject: 'Down', startAt: '2026-07-04T10:00:00Z', endAt: '2026-07-04T11:00:00Z' });
      const [d] = await pendingOf(subscription.id);
      expect(await deliverOnce(app.deps, d!.id)).toBe('retrying');
      const [after] = await app.deps.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.id, d!.id));
      // 503 with Retry-After: 120 s waits at least that long.
      expect(after!.nextAttemptAt!.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(120_000);
      clock.advance(25 * 60 * 60 * 1000);
      expect(await deliverOnce(app.deps, d!.id)).toBe('failed');
      const [sub] = await app.deps.db
        .select()
        .from(webhookSubscriptions)
        .where(eq(webhookSubscriptions.id, subscription.id));
      expect(sub).toMatchObject({ enabled: false, disabledReason: 'failures' });

      const second = await app
        .caller(keyRequest(key.keyString))
        .webhooks.subscribe({ url: receiver.url, events: ['meeting.created'] });
      gone = true;
      await app
        .caller(hostSession)
        .meetings.create({ subject: 'Gone', startAt: '2026-07-05T10:00:00Z', endAt: '2026-07-05T11:00:00Z' });
      const [d2] = await pendingOf(second.subscription.id);
      expect(await deliverOnce(app.deps, d2!.id)).toBe('unsubscribed');
      expect(
        await app.deps.db
          .select()
          .from(webhookSubscriptions)
          .where(eq(webhookSubscriptions.id, second.subscription.id)),
      ).toEqual([]);
      expect((await auditActions(org.id)).filter((a) => a === 'webhook.deleted')).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('admins list, page deliveries, redeliver, disable and delete; redelivering to a disabled subscription is refused', async () => {
    const receiver = await startReceiver();
    try {
      const { org, key, hostSession, adminSession } = await team();
      const { subscription } = await app
        .caller(keyRequest(key.keyString))
        .webhooks.subscribe({ url: receiver.url, events: ['meeting.created'] });
      for (let i = 0; i < 5; i++) {
        await app.caller(hostSession).meetings.create({
          subject: `M${i}`,
          startAt: '2026-07-06T10:00:00Z',
          endAt: '2026-07-06T11:00:00Z',
        });
        clock.advance(1000);
      }
      const asAdmin = app.caller(adminSession);
      const listed = await asAdmin.webhooks.listForOrg();
      expect(listed).toEqual([
        expect.objectContaining({
          id: subscription.id,
          key: { id: key.id, name: expect.any(String), scope: 'org_limited' },
        }),
      ]);
      const first = await asAdmin.webhooks.deliveries({ id: subscription.id, limit: 2 });
      expect(first.items).toHaveLength(2);
      const second = await asAdmin.webhooks.deliveries({
        id: subscription.id,
        limit: 2,
        cursor: first.nextCursor,
      });
      const third = await asAdmin.webhooks.deliveries({
        id: subscription.id,
        limit: 2,
        cursor: second.nextCursor,
      });
      expect(third.nextCursor).toBeNull();
      const all = [...first.items, ...second.items, ...third.items];
      expect(new Set(all.map((d) => d.id)).size).toBe(5);
      expect(all.map((d) => d.createdAt.getTime())).toEqual(
        [...all.map((d) => d.createdAt.getTime())].sort((a, b) => b - a),
      );
      // A cursor is bound to its subscription: carried to another, it is refused.
      const { subscription: otherSub } = await app
        .caller(keyRequest(key.keyString))
        .webhooks.subscribe({ url: receiver.url, events: ['meeting.updated'] });
      const e = await callError(asAdmin.webhooks.deliveries({ id: otherSub.id, cursor: first.nextCursor }));
      expect([e.code, e.reason]).toEqual(['BAD_REQUEST', 'invalid_cursor']);
      for (const d of all) await deliverOnce(app.deps, d.id);
      const again = await asAdmin.webhooks.redeliver({ deliveryId: all[0]!.id });
      expect(again).toMatchObject({ status: 'pending', eventId: all[0]!.eventId, attempts: 0 });
      expect(await deliverOnce(app.deps, again.id)).toBe('succeeded');
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids.filter((id) => id === all[0]!.eventId)).toHaveLength(2);

      expect(await asAdmin.webhooks.setEnabled({ id: subscription.id, enabled: false })).toMatchObject({
        enabled: false,
        disabledReason: 'admin',
      });
      expect((await callError(asAdmin.webhooks.redeliver({ deliveryId: all[0]!.id }))).code).toBe('CONFLICT');
      expect(await asAdmin.webhooks.delete({ id: subscription.id })).toEqual({ ok: true });
      expect((await asAdmin.webhooks.listForOrg()).map((w) => w.id)).toEqual([otherSub.id]);
      const actions = await auditActions(org.id);
      expect(actions).toEqual(
        expect.arrayContaining(['webhook.subscribed', 'webhook.disabled', 'webhook.deleted']),
      );
    } finally {
      await receiver.close();
    }
  });

  it('deliveries are kept 30 days', async () => {
    const { key, host, hostSession } = await team();
    const { subscription } = await app
      .caller(keyRequest(key.keyString))
      .webhooks.subscribe({ url: 'http://127.0.0.1:9/kept', events: ['meeting.created'] });
    await app
      .caller(hostSession)
      .meetings.create({ subject: 'Old', startAt: '2026-07-07T10:00:00Z', endAt: '2026-07-07T11:00:00Z' });
    clock.advance(29 * 24 * 60 * 60 * 1000);
    // Sessions idle out after 7 days: sign in again.
    await app
      .caller(await sessionRequest(app, host.id))
      .meetings.create({ subject: 'Newer', startAt: '2026-07-08T10:00:00Z', endAt: '2026-07-08T11:00:00Z' });
    const all = () =>
      app.deps.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.subscriptionId, subscription.id));
    expect(await all()).toHaveLength(2);
    await deleteExpiredDeliveries(app.deps);
    expect(await all()).toHaveLength(2);
    clock.advance(2 * 24 * 60 * 60 * 1000);
    expect(await deleteExpiredDeliveries(app.deps)).toBeGreaterThanOrEqual(1);
    expect((await all()).map((d) => d.createdAt.getTime())).toEqual([
      clock.now().getTime() - 2 * 24 * 60 * 60 * 1000,
    ]);
  });

  it('Idempotency-Key: refused by subscribe (its answer is the secret), replayed by the other mutations', async () => {
    const { key, adminSession } = await team();
    const idem = { idempotencyKey: 'webhook-retry-0001' };
    const e = await callError(
      app
        .caller({ ...keyRequest(key.keyString), ...idem })
        .webhooks.subscribe({ url: 'http://127.0.0.1:9/i', events: ['meeting.created'] }),
    );
    expect([e.code, e.reason]).toEqual(['BAD_REQUEST', 'idempotency_key_invalid']);
    expect(e.message).toContain('webhooks.list');
    expect(await app.caller(keyRequest(key.keyString)).webhooks.list()).toEqual([]);
    const { subscription } = await app
      .caller(keyRequest(key.keyString))
      .webhooks.subscribe({ url: 'http://127.0.0.1:9/i', events: ['meeting.created'] });
    const asAdmin = app.caller({ ...adminSession, ...idem });
    expect(await asAdmin.webhooks.delete({ id: subscription.id })).toEqual({ ok: true });
    // The retry of a delete that went through answers the same, instead of NOT_FOUND.
    expect(await asAdmin.webhooks.delete({ id: subscription.id })).toEqual({ ok: true });
  });
});
