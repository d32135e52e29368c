import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiMeeting, KeyholeServer } from './support/keyhole-server';
import {
  type KeyholeZapierApp,
  loadApp,
  type SearchKey,
  searchView,
  zapierError,
  zapierRunner,
} from './support/zapier-app';
import { zapierFieldKeys } from './support/zapier-output';

/**
 * Find Meeting and Find Transcript against the real API, through Mo's User – limited access key:
 *
 * | meeting      | host            | private | attendees | transcript |
 * |--------------|-----------------|---------|-----------|------------|
 * | moReview     | mo              | no      | pia       | 2 segments |
 * | piaWithMo    | pia             | no      | mo        | 1 segment  |
 * | moBlank      | mo              | no      | —         | none       |
 * | moPrivate    | mo              | yes     | —         | 1 segment  |
 * | piaAlone     | pia             | no      | —         | 1 segment  |
 * | globex       | bob (other org) | no      | mo's email| 1 segment  |
 *
 * Found: moReview, piaWithMo (and moBlank's meeting, but it has no transcript). Nothing found: the rest,
 * exactly like an id that does not exist.
 */
let keyhole: KeyholeServer;
let app: KeyholeZapierApp;
let zapier: ReturnType<typeof zapierRunner>;
let moKey: string;
let moFullKey: string;
const m: Record<string, ApiMeeting> = {};
const line = (speaker: string, text: string, startSeconds = 0) => ({
  speaker,
  startSeconds,
  endSeconds: startSeconds + 3,
  text,
});

beforeAll(async () => {
  keyhole = await KeyholeServer.start();
  app = await loadApp();
  zapier = zapierRunner(app);
  const admin = await keyhole.signUpOrg('Acme');
  const moUser = await admin.addMember('Mo');
  const piaUser = await admin.addMember('Pia');
  const mo = await keyhole.signIn(moUser);
  const pia = await keyhole.signIn(piaUser);
  const bob = await keyhole.signUpOrg('Globex');
  m.moReview = await mo.createMeeting('Mo review', {
    state: 'completed',
    attendees: [{ email: piaUser.email }],
    transcript: [line('Mo', 'Let us review.'), line('Pia', 'Numbers are up.', 3)],
  });
  m.piaWithMo = await pia.createMeeting('Pia with Mo', {
    attendees: [{ email: moUser.email }],
    transcript: [line('Pia', 'Hi Mo.')],
  });
  m.moBlank = await mo.createMeeting('Mo blank');
  m.moPrivate = await mo.createMeeting('Mo private', {
    isPrivate: true,
    transcript: [line('Mo', 'Secret.')],
  });
  m.piaAlone = await pia.createMeeting('Pia alone', { transcript: [line('Pia', 'Just me.')] });
  m.globex = await bob.createMeeting('Globex', {
    attendees: [{ email: moUser.email }],
    transcript: [line('Bob', 'Other org.')],
  });
  moKey = (await admin.createKey({ name: 'Zapier', scope: 'user_limited', issuedToUserId: moUser.id }))
    .secret;
  moFullKey = (await admin.createKey({ name: 'Full', scope: 'user_full', issuedToUserId: moUser.id })).secret;
});
afterAll(async () => {
  await keyhole?.stop();
});

const searches: { key: SearchKey; label: string; noun: string; description: string }[] = [
  {
    key: 'find_meeting',
    label: 'Find Meeting',
    noun: 'Meeting',
    description: 'Finds one of your meetings by id.',
  },
  {
    key: 'find_transcript',
    label: 'Find Transcript',
    noun: 'Transcript',
    description: 'Finds the transcript of one of your meetings.',
  },
];

describe.each(searches)('$key', ({ key, label, noun, description }) => {
  it(`is "${label}", described as the SPEC says, with one required Meeting ID input`, () => {
    const search = searchView(app, key);
    expect(search).toMatchObject({ key, noun, display: { label, description } });
    expect(search.inputFields).toEqual([
      expect.objectContaining({ key: 'meetingId', label: 'Meeting ID', type: 'string', required: true }),
    ]);
  });

  it('labels every field of its sample, in Title Case', () => {
    const { outputFields, sample } = searchView(app, key);
    expect([...zapierFieldKeys(sample)].sort()).toEqual(outputFields.map((f) => f.key).sort());
    for (const field of outputFields) {
      for (const word of field.label.split(' ')) expect(word).toMatch(/^\(?[A-Z][A-Za-z]*\)?$/);
    }
  });

  it.each([
    { what: 'an id that does not exist', meeting: () => randomUUID() },
    { what: 'a meeting of another user that Mo does not attend', meeting: () => m.piaAlone!.id },
    { what: 'Mo’s own private meeting (a limited key)', meeting: () => m.moPrivate!.id },
    { what: 'a meeting of another org that lists Mo’s email', meeting: () => m.globex!.id },
  ])(
    'finds nothing (Zapier’s "nothing found", not an error) for $what, in one request',
    async ({ meeting }) => {
      const { result, requests } = await keyhole.observe(() =>
        zapier.search(key, moKey, { meetingId: meeting() }),
      );
      expect(result).toEqual([]);
      expect(requests).toEqual([expect.objectContaining({ status: 404 })]);
    },
  );

  it('finds the private meeting through a User – full access key, so "nothing found" above is the scope', async () => {
    const result = await zapier.search(key, moFullKey, { meetingId: m.moPrivate!.id });
    expect(result).toHaveLength(1);
    expect(result[0]!.id).toBe(m.moPrivate!.id);
  });

  it.each([
    { what: 'not an id', meetingId: 'Mo review', shown: '“Mo review” is not a Keyhole meeting ID.' },
    { what: 'empty', meetingId: '  ', shown: 'Meeting ID is empty' },
  ])('says what is wrong, without a request, when the Meeting ID is $what', async ({ meetingId, shown }) => {
    const { result: err, requests } = await keyhole.observe(() =>
      zapier.search(key, moKey, { meetingId }).then(() => undefined, zapierError),
    );
    expect(requests).toEqual([]);
    expect(err?.name).toBe('AppError');
    expect(err?.json).toMatchObject({ code: 'invalid_meeting_id' });
    expect(String(err?.json?.message)).toContain(shown);
    expect(String(err?.json?.message)).toContain('map the Meeting ID field from a Keyhole trigger or search');
  });
});

describe('find_meeting', () => {
  it.each([
    { what: 'a meeting Mo hosts', name: 'moReview' },
    { what: 'a meeting Mo attends', name: 'piaWithMo' },
    { what: 'a meeting without a transcript', name: 'moBlank' },
  ])('finds $what: the meeting as the API returns it, in one meetings.get', async ({ name }) => {
    const { result, requests } = await keyhole.observe(() =>
      zapier.search('find_meeting', moKey, { meetingId: m[name]!.id }),
    );
    expect(result).toEqual([m[name]]);
    expect(requests).toEqual([
      expect.objectContaining({ path: '/trpc/meetings.get', input: { id: m[name]!.id }, status: 200 }),
    ]);
  });

  it('accepts the id with surrounding spaces and in capitals, as a mapped or pasted value may be', async () => {
    const result = await zapier.search('find_meeting', moKey, {
      meetingId: `  ${m.moReview!.id.toUpperCase()}\n`,
    });
    expect(result.map((item) => item.subject)).toEqual(['Mo review']);
  });

  it('labels every field of a real result', async () => {
    const [found] = await zapier.search('find_meeting', moKey, { meetingId: m.moReview!.id });
    const declared = searchView(app, 'find_meeting').outputFields.map((f) => f.key);
    expect([...zapierFieldKeys(found)].sort()).toEqual([...declared].sort());
  });
});

describe('find_transcript', () => {
  it('finds the transcript of a meeting Mo hosts: text and segments, in one meetings.transcript', async () => {
    const { result, requests } = await keyhole.observe(() =>
      zapier.search('find_transcript', moKey, { meetingId: m.moReview!.id }),
    );
    expect(result).toEqual([
      {
        id: m.moReview!.id,
        meetingId: m.moReview!.id,
        transcriptText: 'Mo: Let us review.\nPia: Numbers are up.',
        transcriptSegments: [line('Mo', 'Let us review.'), line('Pia', 'Numbers are up.', 3)],
      },
    ]);
    expect(requests).toEqual([
      expect.objectContaining({
        path: '/trpc/meetings.transcript',
        input: { id: m.moReview!.id },
        status: 200,
      }),
    ]);
    const declared = searchView(app, 'find_transcript').outputFields.map((f) => f.key);
    expect([...zapierFieldKeys(result[0])].sort()).toEqual([...declared].sort());
  });

  it('finds the transcript of a meeting Mo attends', async () => {
    const result = await zapier.search('find_transcript', moKey, { meetingId: m.piaWithMo!.id });
    expect(result.map((item) => item.transcriptText)).toEqual(['Pia: Hi Mo.']);
  });

  it('finds nothing for a visible meeting that has no transcript (yet)', async () => {
    expect(await zapier.search('find_transcript', moKey, { meetingId: m.moBlank!.id })).toEqual([]);
  });
});
