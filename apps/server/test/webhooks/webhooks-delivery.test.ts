import { webhookDeliveries, webhookSubscriptions } from '@keyhole/api/internal/db/schema';
import { systemClock } from '@keyhole/api/internal/lib/clock';
import type { MeetingView } from '@keyhole/api/internal/services/meetings/views';
import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRequest } from '../support/keys';
import { createTestApp, type TestApp } from '../support/test-app';
import { LOOPBACK_DELIVERY_ENV, type Received, startReceiver } from './receiver';
import { webhookTeam } from './team';

/**
 * Deliveries end to end through the real worker (pg-boss over the test database) to real receivers on
 * loopback, verified with the `standardwebhooks` package. The app runs on the real clock so the
 * verifier's timestamp tolerance applies as it would for any receiver.
 */
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp({ clock: systemClock, env: LOOPBACK_DELIVERY_ENV });
});
afterAll(async () => {
  await app?.close();
});

/** The key is Hana's own (`user_limited`): it reads the meetings she hosts. */
const team = () => webhookTeam(app, 'user_limited');

const payloadOf = (r: Received) =>
  JSON.parse(r.body) as { type: string; timestamp: string; data: MeetingView & { id: string } };

describe('webhook deliveries (SPEC §11)', () => {
  it('every event type is delivered, signed so that standardwebhooks verifies it, with the meeting as the key reads it', async () => {
    const receiver = await startReceiver();
    try {
      const { key, hostSession } = await team();
      const { subscription, secret } = await app.caller(keyRequest(key.keyString)).webhooks.subscribe({
        url: receiver.url,
        events: ['meeting.created', 'meeting.updated', 'meeting.completed'],
      });
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(subscription).toMatchObject({
        url: receiver.url,
        enabled: true,
        disabledReason: null,
        keyId: key.id,
      });

      const created = await app.caller(hostSession).meetings.create({
        subject: 'Kickoff',
        startAt: '2026-05-01T10:00:00Z',
        endAt: '2026-05-01T11:00:00Z',
      });
      await app.caller(hostSession).meetings.update({ id: created.id, state: 'completed' });
      const got = await receiver.waitFor((all) => all.length >= 3);
      const wh = new Webhook(secret);
      const types = got.map((r) => {
        const verified = wh.verify(r.body, {
          'webhook-id': String(r.headers['webhook-id']),
          'webhook-timestamp': String(r.headers['webhook-timestamp']),
          'webhook-signature': String(r.headers['webhook-signature']),
        }) as { type: string; data: { id: string } };
        expect(verified.data.id).toBe(created.id);
        expect(r.headers['content-type']).toBe('application/json');
        return verified.type;
      });
      expect(types.sort()).toEqual(['meeting.completed', 'meeting.created', 'meeting.updated']);
      // `data` is exactly what meetings.get answers this key now (JSON on both sides).
      const asKey = await app.caller(keyRequest(key.keyString)).meetings.get({ id: created.id });
      const completed = got.map(payloadOf).find((p) => p.type === 'meeting.completed')!;
      expect(completed.data).toEqual(JSON.parse(JSON.stringify(asKey)));
      // A tampered body does not verify.
      expect(() =>
        wh.verify(`${got[0]!.body} `, {
          'webhook-id': String(got[0]!.headers['webhook-id']),
          'webhook-timestamp': String(got[0]!.headers['webhook-timestamp']),
          'webhook-signature': String(got[0]!.headers['webhook-signature']),
        }),
      ).toThrow();
      const deliveries = async () =>
        app.deps.db
          .select()
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.subscriptionId, subscription.id));
      // The receiver has answered; the outcome is recorded just after.
      await expect
        .poll(async () => (await deliveries()).map((d) => d.status))
        .toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect((await deliveries()).every((d) => d.responseStatus === 200 && d.attempts === 1)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('a receiver answering 500 then 200 gets the same webhook-id again, and the delivery ends succeeded', async () => {
    const receiver = await startReceiver((n) => (n === 0 ? { status: 500, body: 'boom' } : { status: 200 }));
    try {
      const { key, hostSession } = await team();
      const { subscription } = await app
        .caller(keyRequest(key.keyString))
        .webhooks.subscribe({ url: receiver.url, events: ['meeting.created'] });
      await app.caller(hostSession).meetings.create({
        subject: 'Retry me',
        startAt: '2026-05-02T10:00:00Z',
        endAt: '2026-05-02T11:00:00Z',
      });
      await receiver.waitFor((all) => all.length >= 1);
      const [pending] = await app.deps.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.subscriptionId, subscription.id));
      await expect
        .poll(async () => {
          const [d] = await app.deps.db
            .select()
            .from(webhookDeliveries)
            .where(eq(webhookDeliveries.id, pending!.id));
          return d?.responseStatus;
        })
        .toBe(500);
      const [afterFirst] = await app.deps.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.id, pending!.id));
      expect(afterFirst).toMatchObject({
        status: 'pending',
        attempts: 1,
        responseStatus: 500,
        responseBody: 'boom',
      });
      // The first retry is due within 30 s (core's schedule); bring it forward instead of waiting.
      expect(afterFirst!.nextAttemptAt!.getTime() - afterFirst!.lastAttemptAt!.getTime()).toBeLessThanOrEqual(
        30_000,
      );
      await app.deps.database.query(
        `update pgboss.job set start_after = now() where data->>'deliveryId' = $1 and state = 'created'`,
        [pending!.id],
      );
      app.deps.jobs.wake();
      const got = await receiver.waitFor((all) => all.length >= 2);
      expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
      expect(got[1]!.body).toBe(got[0]!.body);
      await expect
        .poll(
          async () =>
            (
              await app.deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, pending!.id))
            )[0]?.status,
        )
        .toBe('succeeded');
      const [sub] = await app.deps.db
        .select()
        .from(webhookSubscriptions)
        .where(eq(webhookSubscriptions.id, subscription.id));
      expect(sub!.consecutiveFailures).toBe(0);
    } finally {
      await receiver.close();
    }
  });
});
