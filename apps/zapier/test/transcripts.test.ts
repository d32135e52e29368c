import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, type ApiMeeting, KeyholeServer, type Member } from './support/keyhole-server';
import {
  entryPath,
  type KeyholeZapierApp,
  loadApp,
  triggerView,
  zapierError,
  zapierRunner,
} from './support/zapier-app';

/**
 * Meeting Completed's "Include transcript" (default yes), against the real API: the transcript as one
 * speaker-labelled text and as segments, in two requests per poll (the list, then one batch of
 * `meetings.transcript` for the meetings that have one); without it, one request and no transcript.
 *
 * | meeting    | host | transcript                           | completed (order) |
 * |------------|------|--------------------------------------|-------------------|
 * | standup    | ivy  | 3 segments, sent out of time order   | 1st               |
 * | silent     | ivy  | none                                 | 2nd               |
 * | retro      | ivy  | 1 segment                            | 3rd               |
 * | draft      | ivy  | yes, but the meeting is private      | 4th (never shown) |
 */
let keyhole: KeyholeServer;
let app: KeyholeZapierApp;
let zapier: ReturnType<typeof zapierRunner>;
let admin: Admin;
let ivy: Member;
let ivyKey: string;
const m: Record<string, ApiMeeting> = {};

const standupSegments = [
  { speaker: 'Ivy', startSeconds: 0, endSeconds: 5, text: 'Morning! Quick round, please.' },
  { speaker: 'Dana', startSeconds: 12.5, endSeconds: 20, text: 'Nothing blocking me.' },
  { speaker: 'Sam', startSeconds: 5, endSeconds: 12.5, text: 'I finished the export: it ships today.' },
];
const inSpokenOrder = [standupSegments[0], standupSegments[2], standupSegments[1]];

beforeAll(async () => {
  keyhole = await KeyholeServer.start();
  app = await loadApp();
  zapier = zapierRunner(app);
  admin = await keyhole.signUpOrg('Initech');
  const ivyUser = await admin.addMember('Ivy');
  ivy = await keyhole.signIn(ivyUser);
  m.standup = await ivy.createMeeting('Standup', { state: 'completed', transcript: standupSegments });
  m.silent = await ivy.createMeeting('Silent', { state: 'completed' });
  m.retro = await ivy.createMeeting('Retro', {
    state: 'completed',
    transcript: [{ speaker: 'Ivy', startSeconds: 1, endSeconds: 3, text: 'What went well?' }],
  });
  m.draft = await ivy.createMeeting('Draft', {
    state: 'completed',
    isPrivate: true,
    transcript: [{ speaker: 'Ivy', startSeconds: 0, endSeconds: 2, text: 'Private words.' }],
  });
  ivyKey = (await admin.createKey({ name: 'Zapier', scope: 'user_limited', issuedToUserId: ivyUser.id }))
    .secret;
});
afterAll(async () => {
  await keyhole?.stop();
});

const ids = (items: { id?: unknown }[]) => items.map((item) => item.id);

describe('the "Include transcript" input field', () => {
  it('is a boolean on Meeting Completed only, labelled as the SPEC says, default yes', () => {
    expect(triggerView(app, 'meeting_completed').inputFields).toEqual([
      expect.objectContaining({
        key: 'includeTranscript',
        label: 'Include transcript',
        type: 'boolean',
        default: 'yes',
        required: false,
      }),
    ]);
    expect(triggerView(app, 'new_meeting').inputFields).toEqual([]);
  });
});

describe('Meeting Completed with the transcript (the default)', () => {
  it('adds transcriptText (speaker-labelled lines, in spoken order) and transcriptSegments', async () => {
    const items = await zapier.poll('meeting_completed', ivyKey);
    expect(ids(items)).toEqual([m.retro!.id, m.silent!.id, m.standup!.id]);
    const standup = items.find((item) => item.id === m.standup!.id)!;
    expect(standup.transcriptText).toBe(
      'Ivy: Morning! Quick round, please.\n' +
        'Sam: I finished the export: it ships today.\n' +
        'Dana: Nothing blocking me.',
    );
    expect(standup.transcriptSegments).toEqual(inSpokenOrder);
    // Everything else is the meeting exactly as the API returns it.
    const { transcriptText: _t, transcriptSegments: _s, ...meeting } = standup;
    expect(meeting).toEqual(m.standup);
    const retro = items.find((item) => item.id === m.retro!.id)!;
    expect(retro.transcriptText).toBe('Ivy: What went well?');
  });

  it('gives a meeting without a transcript an empty text and no segments', async () => {
    const items = await zapier.poll('meeting_completed', ivyKey);
    const silent = items.find((item) => item.id === m.silent!.id)!;
    expect(silent).toMatchObject({ transcriptReady: false, transcriptText: '', transcriptSegments: [] });
  });

  it.each([
    { how: 'unset (a Zap made before the field existed)', inputData: {} },
    { how: '"yes"', inputData: { includeTranscript: 'yes' } },
    { how: '"true"', inputData: { includeTranscript: 'true' } },
    { how: 'true', inputData: { includeTranscript: true } },
  ])(
    'is two requests when the field is $how: the list, then one batch for the meetings with a transcript',
    async ({ inputData }) => {
      const { result, requests } = await keyhole.observe(() =>
        zapier.poll('meeting_completed', ivyKey, {}, inputData),
      );
      expect(requests).toHaveLength(2);
      expect(requests[0]).toMatchObject({ method: 'GET', path: '/trpc/meetings.list', status: 200 });
      expect(requests[1]).toMatchObject({
        method: 'GET',
        path: '/trpc/meetings.transcript,meetings.transcript',
        status: 200,
        input: { 0: { id: m.retro!.id }, 1: { id: m.standup!.id } },
      });
      expect(result.every((item) => typeof item.transcriptText === 'string')).toBe(true);
    },
  );

  it('reads at most three transcripts while the editor loads a sample (three meetings)', async () => {
    const { result, requests } = await keyhole.observe(() =>
      zapier.poll('meeting_completed', ivyKey, { isLoadingSample: true }),
    );
    expect(result).toHaveLength(3);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.input).toMatchObject({ limit: 3 });
    expect(Object.keys(requests[1]!.input as object).length).toBeLessThanOrEqual(3);
  });

  it('reads no transcript while Zapier only fills its deduplication list', async () => {
    const { result, requests } = await keyhole.observe(() =>
      zapier.poll('meeting_completed', ivyKey, { isPopulatingDedupe: true }),
    );
    expect(requests).toEqual([expect.objectContaining({ path: '/trpc/meetings.list', status: 200 })]);
    expect(ids(result)).toEqual([m.retro!.id, m.silent!.id, m.standup!.id]);
  });

  it('never hands on a private meeting’s transcript: the private meeting is not there at all', async () => {
    const items = await zapier.poll('meeting_completed', ivyKey);
    expect(ids(items)).not.toContain(m.draft!.id);
    expect(JSON.stringify(items)).not.toContain('Private words.');
  });

  it('a rate limit reached in the transcript batch is a retry after Retry-After, with the API’s message', async () => {
    const user = await admin.addMember('Rae');
    const rae = await keyhole.signIn(user);
    await rae.createMeeting('One', { state: 'completed', transcript: standupSegments });
    await rae.createMeeting('Two', { state: 'completed', transcript: standupSegments });
    // 2 calls a minute: the list spends one, the batch of two transcripts the second and a third.
    const { secret } = await admin.createKey({
      name: 'Zapier',
      scope: 'user_limited',
      issuedToUserId: user.id,
      rateLimitPerMinute: 2,
    });
    const { result: err, requests } = await keyhole.observe(() =>
      zapier.poll('meeting_completed', secret).then(() => undefined, zapierError),
    );
    expect(requests.map((r) => r.path)).toEqual([
      '/trpc/meetings.list',
      '/trpc/meetings.transcript,meetings.transcript',
    ]);
    const retryAfter = Number(requests[1]!.retryAfter);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(err?.name).toBe('ThrottledError');
    expect(err?.json).toEqual({
      message: `Rate limit of 2 calls per minute reached for this API key. Retry in ${retryAfter} s.`,
      delay: retryAfter,
    });
  });
});

describe('the batched transcript request', () => {
  // The app's own function, from dist/, run with the app's middleware: a meeting that went out of reach
  // between the list and the batch (made private a moment ago) must not fail the others.
  const getTranscripts = async (key: string, meetingIds: string[]) => {
    const api = (await import(pathToFileURL(join(dirname(entryPath), 'keyhole-api.js')).href)) as {
      getTranscripts(z: unknown, ids: string[]): Promise<Map<string, unknown>>;
    };
    return zapier.run(key, (z) => api.getTranscripts(z, meetingIds));
  };

  it('leaves out a meeting the key cannot read, and keeps the others (HTTP 207)', async () => {
    const { result, requests } = await keyhole.observe(() =>
      getTranscripts(ivyKey, [m.draft!.id, m.retro!.id, randomUUID()]),
    );
    expect([...result.keys()]).toEqual([m.retro!.id]);
    expect(requests).toEqual([expect.objectContaining({ status: 207 })]);
  });

  it('answers an empty map when no meeting can be read (HTTP 404 for the whole batch)', async () => {
    const { result, requests } = await keyhole.observe(() => getTranscripts(ivyKey, [m.draft!.id]));
    expect(result.size).toBe(0);
    expect(requests).toEqual([expect.objectContaining({ status: 404 })]);
  });

  it('makes no request for no meeting', async () => {
    const { result, requests } = await keyhole.observe(() => getTranscripts(ivyKey, []));
    expect(result.size).toBe(0);
    expect(requests).toEqual([]);
  });
});

describe('Meeting Completed without the transcript', () => {
  it.each([
    { how: '"no"', value: 'no' },
    { how: '"false"', value: 'false' },
    { how: 'false', value: false },
  ])('is one request and carries no transcript fields when the field is $how', async ({ value }) => {
    const { result, requests } = await keyhole.observe(() =>
      zapier.poll('meeting_completed', ivyKey, {}, { includeTranscript: value }),
    );
    expect(requests).toEqual([expect.objectContaining({ path: '/trpc/meetings.list', status: 200 })]);
    expect(ids(result)).toEqual([m.retro!.id, m.silent!.id, m.standup!.id]);
    for (const item of result) {
      expect(item).not.toHaveProperty('transcriptText');
      expect(item).not.toHaveProperty('transcriptSegments');
    }
    expect(result.find((item) => item.id === m.standup!.id)).toEqual(m.standup);
  });
});
