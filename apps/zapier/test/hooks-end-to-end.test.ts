import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookSubscription } from '../src/keyhole-types.js';
import { HookReceiver, type Received } from './support/hook-receiver';
import { hookRequest } from './support/hook-request';
import { KeyholeProcess } from './support/keyhole-process';
import type { Admin, ApiMeeting, ApiUser, Member } from './support/keyhole-server';
import { loadApp, zapierError, zapierRunner } from './support/zapier-app';

/**
 * Both instant triggers end to end: a real `keyhole serve` (its delivery worker signs and sends), a
 * loopback receiver playing Zapier's hook URL, and the app's own performSubscribe, perform and
 * performUnsubscribe run by zapier-platform-core's app tester. Deliveries may only go to 127.0.0.1
 * (`KEYHOLE_WEBHOOK_ALLOWED_HOSTS`): nothing leaves the machine.
 */
let keyhole: KeyholeProcess;
let receiver: HookReceiver;
let zapier: ReturnType<typeof zapierRunner>;
let admin: Admin;
let moUser: ApiUser;
let mo: Member;
let moKey: string;

/** How long to keep listening for a delivery that must NOT come, once a later one has arrived. */
const QUIET_MS = 3_000;

beforeAll(async () => {
  [keyhole, receiver] = await Promise.all([
    KeyholeProcess.start({
      KEYHOLE_WEBHOOK_ALLOW_HTTP: 'true',
      KEYHOLE_WEBHOOK_ALLOW_PRIVATE: 'true',
      KEYHOLE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    }),
    HookReceiver.start(),
  ]);
  zapier = zapierRunner(await loadApp());
  admin = await keyhole.signUpOrg('Umbrella');
  moUser = await admin.addMember('Mo');
  mo = await keyhole.signIn(moUser);
  moKey = (await admin.createKey({ name: 'Zapier', scope: 'user_limited', issuedToUserId: moUser.id }))
    .secret;
}, 120_000);
afterAll(async () => {
  await receiver?.close();
  await keyhole?.stop();
});

const meetingIn = (r: Received) => (JSON.parse(r.body) as { type: string; data: { id: string } }).data.id;
const typeOf = (r: Received) => (JSON.parse(r.body) as { type: string }).type;
const deliveryOf = (meeting: ApiMeeting, type: string) => (r: Received) =>
  meetingIn(r) === meeting.id && typeOf(r) === type;

async function keySubscriptions(apiKey: string): Promise<WebhookSubscription[]> {
  const { status, body } = await keyhole.withKey<WebhookSubscription[]>(apiKey, 'GET', 'webhooks.list');
  expect(status, JSON.stringify(body)).toBe(200);
  return body.result!.data;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('new_meeting, instant', () => {
  let subscribeData: Record<string, unknown>;
  const path = '/hooks/standard/1/new-meeting';

  it('performSubscribe subscribes Zapier’s hook URL to meeting.created with the connected key', async () => {
    subscribeData = await zapier.subscribe('new_meeting', moKey, `${receiver.url}${path}`);
    expect(subscribeData).toEqual({
      id: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]{32,}$/),
    });
    const [subscription, ...others] = await keySubscriptions(moKey);
    expect(others).toEqual([]);
    expect(subscription).toMatchObject({
      id: subscribeData.id,
      url: `${receiver.url}${path}`,
      events: ['meeting.created'],
      enabled: true,
      disabledReason: null,
    });
  });

  it('a new meeting arrives signed, and perform makes it the object the polling version returns', async () => {
    const meeting = await mo.createMeeting('Instant kickoff', {
      attendees: [{ email: 'dana@customer.example', name: 'Dana' }],
    });
    const delivery = await receiver.waitFor(path, deliveryOf(meeting, 'meeting.created'));
    expect(delivery.method).toBe('POST');
    // Keyhole signs as the reference implementation verifies (fresh, so its tolerance is met).
    expect(new Webhook(String(subscribeData.secret)).verify(delivery.body, delivery.headers)).toMatchObject({
      type: 'meeting.created',
      data: { id: meeting.id },
    });
    const items = await zapier.deliver('new_meeting', moKey, hookRequest(delivery), subscribeData);
    const polled = (await zapier.poll('new_meeting', moKey)).find((item) => item.id === meeting.id);
    expect(polled).toBeDefined();
    expect(items).toEqual([polled]);
    expect(items[0]).toEqual(meeting);
  });

  it('a private meeting of the key’s user never reaches the hook URL', async () => {
    const hidden = await mo.createMeeting('Mo private', { isPrivate: true });
    const later = await mo.createMeeting('Mo after the private one');
    await receiver.waitFor(path, deliveryOf(later, 'meeting.created'));
    await sleep(QUIET_MS);
    expect(receiver.received.filter((r) => r.path === path).map(meetingIn)).not.toContain(hidden.id);
    expect(receiver.received.map((r) => r.body).join('\n')).not.toContain('Mo private');
  });

  it('a delivery replayed with another Zap’s secret, or altered, gives nothing', async () => {
    const meeting = await mo.createMeeting('Replayed');
    const delivery = await receiver.waitFor(path, deliveryOf(meeting, 'meeting.created'));
    const otherZap = { ...subscribeData, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` };
    expect(await zapier.deliver('new_meeting', moKey, hookRequest(delivery), otherZap)).toEqual([]);
    const altered = { ...delivery, body: delivery.body.replace('Replayed', 'Replaced') };
    expect(await zapier.deliver('new_meeting', moKey, hookRequest(altered), subscribeData)).toEqual([]);
  });

  it('performUnsubscribe deletes the subscription; once more (already gone) is still done', async () => {
    expect(await zapier.unsubscribe('new_meeting', moKey, subscribeData)).toEqual({ ok: true });
    expect((await keySubscriptions(moKey)).map((s) => s.id)).not.toContain(subscribeData.id);
    expect(await zapier.unsubscribe('new_meeting', moKey, subscribeData)).toEqual({ ok: true });
  });
});

describe('meeting_completed, instant', () => {
  const path = '/hooks/standard/1/meeting-completed';

  it('gets only meeting.completed; perform adds the transcript with one request, as the polling version', async () => {
    const subscribeData = await zapier.subscribe('meeting_completed', moKey, `${receiver.url}${path}`);
    expect((await keySubscriptions(moKey)).find((s) => s.id === subscribeData.id)).toMatchObject({
      events: ['meeting.completed'],
    });

    const started = await mo.createMeeting('Retro', {
      transcript: [
        { speaker: 'Dana', startSeconds: 3, endSeconds: 7, text: 'Ship it.' },
        { speaker: 'Mo', startSeconds: 0, endSeconds: 3, text: 'What went well?' },
      ],
    });
    const done = await mo.updateMeeting(started.id, { state: 'completed' });
    const delivery = await receiver.waitFor(path, deliveryOf(done, 'meeting.completed'));

    const items = await zapier.deliver('meeting_completed', moKey, hookRequest(delivery), subscribeData);
    const polled = (await zapier.poll('meeting_completed', moKey)).find((item) => item.id === done.id);
    expect(polled).toBeDefined();
    expect(items).toEqual([polled]);
    expect(items[0]).toMatchObject({ id: done.id, transcriptText: 'Mo: What went well?\nDana: Ship it.' });
    // No meeting.created (nor meeting.updated) was sent to this hook.
    expect(receiver.received.filter((r) => r.path === path).map(typeOf)).toEqual(['meeting.completed']);

    const withoutTranscript = await zapier.deliver(
      'meeting_completed',
      moKey,
      hookRequest(delivery),
      subscribeData,
      {
        includeTranscript: 'no',
      },
    );
    expect(withoutTranscript).toEqual([done]);

    expect(await zapier.unsubscribe('meeting_completed', moKey, subscribeData)).toEqual({ ok: true });
    expect((await keySubscriptions(moKey)).map((s) => s.id)).not.toContain(subscribeData.id);
  });
});

describe('turning a Zap on, refused', () => {
  it('a hook URL the server does not deliver to: a message for the Zapier user', async () => {
    // Never contacted: the host is refused before any lookup (KEYHOLE_WEBHOOK_ALLOWED_HOSTS).
    const err = await zapier
      .subscribe('new_meeting', moKey, 'https://hooks.zapier.com/hooks/standard/1/abc')
      .then(() => undefined, zapierError);
    expect(err?.name).toBe('AppError');
    expect(err?.json).toMatchObject({ code: 'webhook_url_not_allowed', status: 400 });
    expect(String(err?.json?.message)).toMatch(/Keyhole admin/);
    expect(String(err?.json?.message)).not.toMatch(/https?\b|status|header/i);
  });

  it('the 26th instant Zap of one key: a message that says what to do', async () => {
    const user = await admin.addMember('Busy');
    const { secret } = await admin.createKey({
      name: 'Zapier',
      scope: 'user_limited',
      issuedToUserId: user.id,
    });
    for (let i = 0; i < 25; i++)
      await zapier.subscribe('new_meeting', secret, `${receiver.url}/hooks/busy/${i}`);
    expect(await keySubscriptions(secret)).toHaveLength(25);
    const err = await zapier
      .subscribe('new_meeting', secret, `${receiver.url}/hooks/busy/25`)
      .then(() => undefined, zapierError);
    expect(err?.name).toBe('AppError');
    expect(err?.json).toMatchObject({ code: 'webhook_limit_reached', status: 409 });
    expect(String(err?.json?.message)).toMatch(/25 instant Zaps/);
  });

  it('a revoked key: ExpiredAuthError (reconnect)', async () => {
    const user = await admin.addMember('Gone');
    const { key, secret } = await admin.createKey({
      name: 'Zapier',
      scope: 'user_limited',
      issuedToUserId: user.id,
    });
    await admin.revokeKey(key.id);
    const err = await zapier
      .subscribe('new_meeting', secret, `${receiver.url}/hooks/gone`)
      .then(() => undefined, zapierError);
    expect(err?.name).toBe('ExpiredAuthError');
  });
});
