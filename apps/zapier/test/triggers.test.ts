import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiMeeting, type ApiUser, KeyholeServer, type Member } from './support/keyhole-server';
import {
  type KeyholeZapierApp,
  loadApp,
  type TriggerKey,
  triggerView,
  zapierRunner,
} from './support/zapier-app';
import { ISO_WITH_ZONE, MEETING_DATE_FIELDS, zapierFieldKeys } from './support/zapier-output';

/**
 * The two triggers' polling side (`performList`, the editor's samples) against the real API, with a
 * world built through the API itself:
 *
 * | meeting        | host              | private | attendees | completed (order)     |
 * |----------------|-------------------|---------|-----------|-----------------------|
 * | moWeekly       | mo                | no      | —         | 3rd                   |
 * | piaWithMo      | pia               | no      | mo        | 2nd                   |
 * | moPrivate      | mo                | yes     | —         | yes (never shown)     |
 * | piaAlone       | pia               | no      | —         | yes (not mo's)        |
 * | piaPrivateMo   | pia               | yes     | mo        | —                     |
 * | moKickoff      | mo                | no      | —         | 1st (at creation)     |  (has a transcript)
 * | globex         | bob (other org)   | no      | mo's email| —                     |
 * | zedWithMo      | zed               | no      | mo        | completed, reopened   |
 *
 * Mo's User – limited access key sees moWeekly, piaWithMo, moKickoff and zedWithMo.
 */
let keyhole: KeyholeServer;
let app: KeyholeZapierApp;
let zapier: ReturnType<typeof zapierRunner>;
let moKey: string;
const m: Record<string, ApiMeeting> = {};

beforeAll(async () => {
  keyhole = await KeyholeServer.start();
  app = await loadApp();
  zapier = zapierRunner(app);

  const admin = await keyhole.signUpOrg('Acme');
  const [moUser, piaUser, zedUser] = [
    await admin.addMember('Mo'),
    await admin.addMember('Pia'),
    await admin.addMember('Zed'),
  ] as [ApiUser, ApiUser, ApiUser];
  const [mo, pia, zed] = [
    await keyhole.signIn(moUser),
    await keyhole.signIn(piaUser),
    await keyhole.signIn(zedUser),
  ] as [Member, Member, Member];
  const bob = await keyhole.signUpOrg('Globex');
  const withMo = { attendees: [{ email: moUser.email }] };

  m.moWeekly = await mo.createMeeting('Mo weekly');
  m.piaWithMo = await pia.createMeeting('Pia with Mo', withMo);
  m.moPrivate = await mo.createMeeting('Mo private', { isPrivate: true });
  m.piaAlone = await pia.createMeeting('Pia alone');
  m.piaPrivateMo = await pia.createMeeting('Pia private with Mo', { isPrivate: true, ...withMo });
  m.moKickoff = await mo.createMeeting('Mo kickoff', {
    state: 'completed',
    attendees: [{ email: piaUser.email }, { email: 'dana@customer.example', name: 'Dana' }],
    transcript: [
      { speaker: 'Mo', startSeconds: 0, endSeconds: 4, text: 'Welcome, everyone.' },
      { speaker: 'Dana', startSeconds: 4, endSeconds: 9, text: 'Glad to be here.' },
    ],
  });
  m.globex = await bob.createMeeting('Globex with Mo’s address', withMo);
  m.zedWithMo = await zed.createMeeting('Zed with Mo', withMo);

  m.piaWithMo = await pia.updateMeeting(m.piaWithMo.id, { state: 'completed' });
  m.moPrivate = await mo.updateMeeting(m.moPrivate.id, { state: 'completed' });
  m.piaAlone = await pia.updateMeeting(m.piaAlone.id, { state: 'completed' });
  m.moWeekly = await mo.updateMeeting(m.moWeekly.id, { state: 'completed' });
  m.zedWithMo = await zed.updateMeeting(m.zedWithMo.id, { state: 'completed' });
  m.zedWithMo = await zed.updateMeeting(m.zedWithMo.id, { state: 'in_progress' });

  moKey = (await admin.createKey({ name: 'Zapier', scope: 'user_limited', issuedToUserId: moUser.id }))
    .secret;
});
afterAll(async () => {
  await keyhole?.stop();
});

const ids = (items: { id?: unknown }[]) => items.map((item) => item.id);
const idsOf = (...names: string[]) => names.map((name) => m[name]!.id);

describe('new_meeting', () => {
  it('is an instant trigger (REST hook) described as "Triggers when a new meeting of yours is added."', () => {
    const trigger = triggerView(app, 'new_meeting');
    expect(trigger.type).toBe('hook');
    expect(trigger.display.description).toBe('Triggers when a new meeting of yours is added.');
  });

  it('returns the user’s non-private meetings only, newest first by creation', async () => {
    const items = await zapier.poll('new_meeting', moKey);
    expect(ids(items)).toEqual(idsOf('zedWithMo', 'moKickoff', 'piaWithMo', 'moWeekly'));
    for (const hidden of idsOf('moPrivate', 'piaAlone', 'piaPrivateMo', 'globex')) {
      expect(ids(items)).not.toContain(hidden);
    }
    const created = items.map((item) => Date.parse(String(item.createdAt)));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('hands Zapier each meeting as the API returns it, `id` = the meeting id, dates with a time zone', async () => {
    const items = await zapier.poll('new_meeting', moKey);
    const kickoff = items.find((item) => item.id === m.moKickoff!.id);
    expect(kickoff).toEqual(m.moKickoff);
    for (const item of items) {
      for (const field of MEETING_DATE_FIELDS) {
        if (item[field] !== null) expect(String(item[field])).toMatch(ISO_WITH_ZONE);
      }
    }
  });
});

describe('meeting_completed', () => {
  it('is an instant trigger (REST hook) described as "Triggers when one of your meetings is completed."', () => {
    const trigger = triggerView(app, 'meeting_completed');
    expect(trigger.type).toBe('hook');
    expect(trigger.display.description).toBe('Triggers when one of your meetings is completed.');
  });

  it('returns only completed meetings, most recently completed first', async () => {
    const items = await zapier.poll('meeting_completed', moKey);
    // Completed in the order moKickoff, piaWithMo, moWeekly; zedWithMo was reopened.
    expect(ids(items)).toEqual(idsOf('moWeekly', 'piaWithMo', 'moKickoff'));
    expect(items.every((item) => item.state === 'completed')).toBe(true);
    const completed = items.map((item) => Date.parse(String(item.completedAt)));
    expect(completed).toEqual([...completed].sort((a, b) => b - a));
  });
});

describe('each poll', () => {
  // Meeting Completed without its transcript; with it, see transcripts.test.ts (two requests).
  const cases: { trigger: TriggerKey; query: Record<string, unknown>; inputData: Record<string, unknown> }[] =
    [
      { trigger: 'new_meeting', query: { orderBy: 'createdAt', direction: 'desc' }, inputData: {} },
      {
        trigger: 'meeting_completed',
        query: { state: 'completed', orderBy: 'completedAt', direction: 'desc' },
        inputData: { includeTranscript: 'no' },
      },
    ];
  const modes = [
    { mode: 'a regular poll', meta: {}, limit: 25 },
    { mode: 'loading a sample in the editor', meta: { isLoadingSample: true }, limit: 3 },
    { mode: 'populating deduplication', meta: { isPopulatingDedupe: true }, limit: 100 },
  ];

  for (const { trigger, query, inputData } of cases) {
    it.each(modes)(
      `${trigger}: $mode is one meetings.list request with limit $limit`,
      async ({ meta, limit }) => {
        const { result, requests } = await keyhole.observe(() =>
          zapier.poll(trigger, moKey, meta, inputData),
        );
        expect(requests).toEqual([
          expect.objectContaining({ method: 'GET', path: '/trpc/meetings.list', status: 200 }),
        ]);
        expect(requests[0]!.input).toEqual({ limit, ...query });
        expect(result.length).toBeLessThanOrEqual(limit);
        expect(result.length).toBeGreaterThan(0);
      },
    );
  }

  it('while loading a sample, returns the three newest', async () => {
    const items = await zapier.poll('new_meeting', moKey, { isLoadingSample: true });
    expect(ids(items)).toEqual(idsOf('zedWithMo', 'moKickoff', 'piaWithMo'));
  });
});

describe('output fields', () => {
  it('label every field Zapier sees in real trigger results', async () => {
    const seen = new Set<string>();
    for (const trigger of ['new_meeting', 'meeting_completed'] as const) {
      for (const item of await zapier.poll(trigger, moKey)) zapierFieldKeys(item, '', seen);
      const declared = new Set(triggerView(app, trigger).outputFields.map((field) => field.key));
      expect([...seen].filter((key) => !declared.has(key))).toEqual([]);
      expect([...declared].filter((key) => !seen.has(key))).toEqual([]);
    }
  });
});

describe('a private meeting', () => {
  it('reaches neither trigger until it is made non-private, then appears in both', async () => {
    const admin = await keyhole.signUpOrg();
    const ivyUser = await admin.addMember('Ivy');
    const ivy = await keyhole.signIn(ivyUser);
    const key = (await admin.createKey({ name: 'Zapier', scope: 'user_limited', issuedToUserId: ivyUser.id }))
      .secret;
    const older = await ivy.createMeeting('Ivy standup', { state: 'completed' });
    const draft = await ivy.createMeeting('Ivy draft', { isPrivate: true });
    await ivy.updateMeeting(draft.id, { state: 'completed' });

    expect(ids(await zapier.poll('new_meeting', key))).toEqual([older.id]);
    expect(ids(await zapier.poll('meeting_completed', key))).toEqual([older.id]);

    const shared = await ivy.updateMeeting(draft.id, { isPrivate: false });
    const created = await zapier.poll('new_meeting', key);
    expect(ids(created)).toEqual([draft.id, older.id]);
    expect(created[0]).toEqual(shared);
    expect(ids(await zapier.poll('meeting_completed', key))).toEqual([draft.id, older.id]);
  });
});
