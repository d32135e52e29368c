import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookRequest, newSecret, type ReceivedRequest, signedDelivery } from './support/hook-request';
import { type Admin, type ApiMeeting, KeyholeServer, type Member } from './support/keyhole-server';
import { type KeyholeZapierApp, loadApp, triggerView, zapierError, zapierRunner } from './support/zapier-app';

/**
 * `perform` of both instant triggers on deliveries signed here with the reference implementation
 * (`standardwebhooks`), shaped as Zapier's hook endpoint hands them on; the real API answers what
 * `perform` asks (the transcript). The deliveries Keyhole itself sends: hooks-end-to-end.test.ts.
 *
 * | meeting  | host | state     | transcript | later            |
 * |----------|------|-----------|------------|------------------|
 * | planning | ivy  | scheduled | —          | —                |
 * | standup  | ivy  | completed | 2 segments | —                |
 * | silent   | ivy  | completed | none       | —                |
 * | hush     | ivy  | completed | 1 segment  | made private     |
 */
let keyhole: KeyholeServer;
let app: KeyholeZapierApp;
let zapier: ReturnType<typeof zapierRunner>;
let admin: Admin;
let ivy: Member;
let ivyKey: string;
const m: Record<string, ApiMeeting> = {};
const secret = newSecret();
const subscribeData = { id: '0b6f8a52-5f2e-4a43-9a57-2f5d0c3e7a11', secret };

beforeAll(async () => {
  keyhole = await KeyholeServer.start();
  app = await loadApp();
  zapier = zapierRunner(app);
  admin = await keyhole.signUpOrg('Hooli');
  const ivyUser = await admin.addMember('Ivy');
  ivy = await keyhole.signIn(ivyUser);
  m.planning = await ivy.createMeeting('Planning');
  m.standup = await ivy.createMeeting('Standup', {
    state: 'completed',
    transcript: [
      { speaker: 'Sam', startSeconds: 4, endSeconds: 9, text: 'Shipping today.' },
      { speaker: 'Ivy', startSeconds: 0, endSeconds: 4, text: 'Morning!' },
    ],
  });
  m.silent = await ivy.createMeeting('Silent', { state: 'completed' });
  m.hush = await ivy.createMeeting('Hush', {
    state: 'completed',
    transcript: [{ speaker: 'Ivy', startSeconds: 0, endSeconds: 2, text: 'Soon to be private.' }],
  });
  ivyKey = (await admin.createKey({ name: 'Zapier', scope: 'user_limited', issuedToUserId: ivyUser.id }))
    .secret;
});
afterAll(async () => {
  await keyhole?.stop();
});

const payload = (type: string, meeting: ApiMeeting) => ({
  type,
  timestamp: new Date().toISOString(),
  data: meeting,
});
const created = (meeting: ApiMeeting) => signedDelivery(secret, payload('meeting.created', meeting));
const completed = (meeting: ApiMeeting) => signedDelivery(secret, payload('meeting.completed', meeting));

/** The delivery as it reached Zapier, through `perform`, with the requests it made to Keyhole. */
const deliver = (
  trigger: 'new_meeting' | 'meeting_completed',
  received: ReceivedRequest,
  opts: { subscribeData?: Record<string, unknown>; inputData?: Record<string, unknown>; key?: string } = {},
) =>
  keyhole.observe(() =>
    zapier.deliver(
      trigger,
      opts.key ?? ivyKey,
      hookRequest(received),
      opts.subscribeData ?? subscribeData,
      opts.inputData,
    ),
  );

describe('both triggers', () => {
  it.each(['new_meeting', 'meeting_completed'] as const)(
    '%s is an instant trigger: a REST hook with performList, performSubscribe and performUnsubscribe',
    (key) => {
      const trigger = triggerView(app, key);
      expect(trigger.type).toBe('hook');
      expect(trigger.hook).toEqual({
        performList: expect.any(Function),
        performSubscribe: expect.any(Function),
        performUnsubscribe: expect.any(Function),
      });
    },
  );
});

describe('new_meeting, one delivery', () => {
  it('is the meeting of the payload, the same object the polling version returns, with no request', async () => {
    const polled = (await zapier.poll('new_meeting', ivyKey)).find((item) => item.id === m.planning!.id);
    const { result, requests } = await deliver('new_meeting', created(m.planning!));
    expect(result).toEqual([polled]);
    expect(result[0]!.id).toBe(m.planning!.id);
    expect(requests).toEqual([]);
  });

  it('reads the signature headers however they are spelled (Zapier’s Http-Title-Case, plain, upper case)', async () => {
    const { body, headers } = created(m.planning!);
    const spellings: ((name: string) => string)[] = [
      (name) => name,
      (name) => name.toUpperCase(),
      (name) => `http-${name}`,
      (name) => `HTTP-${name.toUpperCase()}`,
    ];
    for (const spell of spellings) {
      const request = hookRequest({ body, headers: {} });
      request.rawRequest.headers = Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [spell(name), value]),
      );
      const items = await zapier.deliver('new_meeting', ivyKey, request, subscribeData);
      expect(items.map((item) => item.id)).toEqual([m.planning!.id]);
    }
  });

  it('is the same single meeting each time one delivery comes again (Zapier drops the repeat by id)', async () => {
    const once = created(m.planning!);
    const first = (await deliver('new_meeting', once)).result;
    const again = (await deliver('new_meeting', once)).result;
    expect(again).toEqual(first);
    expect(first.map((item) => item.id)).toEqual([m.planning!.id]);
  });

  it('still verifies a delivery signed long ago (Zapier replays)', async () => {
    const old = signedDelivery(secret, payload('meeting.created', m.planning!), {
      at: new Date('2024-05-01T00:00:00Z'),
    });
    expect((await deliver('new_meeting', old)).result.map((item) => item.id)).toEqual([m.planning!.id]);
  });
});

describe('a delivery that is dropped ([], no request)', () => {
  const tampered = (received: ReceivedRequest): ReceivedRequest => ({
    ...received,
    body: received.body.replace('"Planning"', '"Planning (forged)"'),
  });
  const without =
    (name: string) =>
    (received: ReceivedRequest): ReceivedRequest => ({
      ...received,
      headers: Object.fromEntries(Object.entries(received.headers).filter(([header]) => header !== name)),
    });
  const cases: { what: string; make: () => ReceivedRequest; subscribeData?: Record<string, unknown> }[] = [
    { what: 'a changed body', make: () => tampered(created(m.planning!)) },
    { what: 'no webhook-signature', make: () => without('webhook-signature')(created(m.planning!)) },
    { what: 'no webhook-id', make: () => without('webhook-id')(created(m.planning!)) },
    { what: 'no webhook-timestamp', make: () => without('webhook-timestamp')(created(m.planning!)) },
    {
      what: 'signed with another subscription’s secret',
      make: () => signedDelivery(newSecret(), payload('meeting.created', m.planning!)),
    },
    {
      what: 'no secret kept for the Zap',
      make: () => created(m.planning!),
      subscribeData: { id: subscribeData.id },
    },
    {
      what: 'a meeting.updated event',
      make: () => signedDelivery(secret, payload('meeting.updated', m.planning!)),
    },
    { what: 'a meeting.completed event', make: () => completed(m.standup!) },
    {
      what: 'a private meeting',
      make: () => signedDelivery(secret, payload('meeting.created', { ...m.planning!, isPrivate: true })),
    },
    {
      what: 'a signed body that is not a meeting',
      make: () => signedDelivery(secret, { type: 'meeting.created' }),
    },
    {
      what: 'a signed body that is not JSON',
      make: () => signedDelivery(secret, null, { body: 'not json' }),
    },
  ];

  it.each(cases)('new_meeting: $what', async ({ make, subscribeData: data }) => {
    const { result, requests } = await deliver('new_meeting', make(), data ? { subscribeData: data } : {});
    expect(result).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('meeting_completed: a meeting.created event, or a changed body', async () => {
    for (const received of [created(m.standup!), tampered(completed(m.planning!))]) {
      const { result, requests } = await deliver('meeting_completed', received);
      expect(result).toEqual([]);
      expect(requests).toEqual([]);
    }
  });

  it('trusts only the signed raw body, never a different parsed body beside it', async () => {
    const request = hookRequest(created(m.planning!));
    request.cleanedRequest = payload('meeting.created', { ...m.planning!, subject: 'Forged' });
    const items = await zapier.deliver('new_meeting', ivyKey, request, subscribeData);
    expect(items.map((item) => item.subject)).toEqual(['Planning']);
  });
});

describe('meeting_completed, one delivery', () => {
  it('with the transcript (the default): one meetings.transcript request; the polling version’s object', async () => {
    const polled = (await zapier.poll('meeting_completed', ivyKey)).find((item) => item.id === m.standup!.id);
    const { result, requests } = await deliver('meeting_completed', completed(m.standup!));
    expect(result).toEqual([polled]);
    expect(result[0]).toMatchObject({
      id: m.standup!.id,
      transcriptText: 'Ivy: Morning!\nSam: Shipping today.',
    });
    expect(requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/trpc/meetings.transcript',
        input: { id: m.standup!.id },
        status: 200,
      }),
    ]);
  });

  it('without the transcript: the meeting of the payload and no request', async () => {
    const polled = (await zapier.poll('meeting_completed', ivyKey, {}, { includeTranscript: 'no' })).find(
      (item) => item.id === m.standup!.id,
    );
    const { result, requests } = await deliver('meeting_completed', completed(m.standup!), {
      inputData: { includeTranscript: 'no' },
    });
    expect(result).toEqual([polled]);
    expect(result[0]).not.toHaveProperty('transcriptText');
    expect(requests).toEqual([]);
  });

  it('a meeting without a transcript gets the empty one without a request, as when polling', async () => {
    const { result, requests } = await deliver('meeting_completed', completed(m.silent!));
    expect(result).toEqual([{ ...m.silent, transcriptText: '', transcriptSegments: [] }]);
    expect(requests).toEqual([]);
  });

  it('a meeting made private after it was sent is not handed on (its transcript is no longer readable)', async () => {
    const sent = completed(m.hush!);
    await ivy.updateMeeting(m.hush!.id, { isPrivate: true });
    const { result, requests } = await deliver('meeting_completed', sent);
    expect(result).toEqual([]);
    expect(requests).toEqual([expect.objectContaining({ path: '/trpc/meetings.transcript', status: 404 })]);
    expect(JSON.stringify(result)).not.toContain('Soon to be private.');
  });

  it('a key revoked since: the transcript request asks Zapier to reconnect (ExpiredAuthError)', async () => {
    const user = await admin.addMember('Rae');
    const { key, secret: raeKey } = await admin.createKey({
      name: 'Zapier',
      scope: 'user_limited',
      issuedToUserId: user.id,
    });
    const rae = await keyhole.signIn(user);
    const meeting = await rae.createMeeting('Rae retro', {
      state: 'completed',
      transcript: [{ speaker: 'Rae', startSeconds: 0, endSeconds: 1, text: 'Hi.' }],
    });
    await admin.revokeKey(key.id);
    const { result: err } = await keyhole.observe(() =>
      zapier
        .deliver('meeting_completed', raeKey, hookRequest(completed(meeting)), subscribeData)
        .then(() => undefined, zapierError),
    );
    expect(err?.name).toBe('ExpiredAuthError');
  });
});
