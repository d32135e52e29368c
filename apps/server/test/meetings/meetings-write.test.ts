import { randomUUID } from 'node:crypto';
import { meetingAttendees, meetings } from '@keyhole/api/internal/db/schema';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import type { MeetingView } from '@keyhole/api/internal/services/meetings/views';
import { callError } from '@keyhole/testing/errors';
import { httpMutation } from '@keyhole/testing/http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, seedUser } from '../support/seed';
import { sessionCookieHeader, sessionRequest } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { seedMeetingWorld } from './meeting-world';

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
const clock = new ManualClock('2026-03-01T10:00:00.000Z');

beforeAll(async () => {
  app = await createTestApp({ clock });
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

async function team() {
  const db = app.deps.db;
  const org = await seedOrg(db);
  const tag = org.id.slice(0, 8);
  const host = await seedUser(db, { orgId: org.id, name: 'Hana Host', email: `hana-${tag}@example.test` });
  const pia = await seedUser(db, { orgId: org.id, name: 'Pia', email: `pia-${tag}@example.test` });
  const admin = await seedUser(db, {
    orgId: org.id,
    role: 'admin',
    name: 'Ada',
    email: `ada-${tag}@example.test`,
  });
  const other = await seedOrg(db);
  const stranger = await seedUser(db, { orgId: other.id, name: 'Stan', email: `stan-${tag}@example.test` });
  const as = async (u: { id: string }) => app.caller(await sessionRequest(app, u.id));
  return { org, tag, host, pia, admin, stranger, as };
}

const base = { subject: 'Weekly sync', startAt: '2026-03-02T09:00:00Z', endAt: '2026-03-02T09:45:00Z' };

describe('meetings.create', () => {
  it('creates a meeting hosted by the caller with SPEC defaults and clock times', async () => {
    const t = await team();
    const m = await (await t.as(t.host)).meetings.create(base);
    expect(m).toEqual({
      id: expect.any(String),
      subject: 'Weekly sync',
      startAt: '2026-03-02T09:00:00.000Z',
      endAt: '2026-03-02T09:45:00.000Z',
      durationSeconds: 2700,
      state: 'scheduled',
      isPrivate: false,
      host: { id: t.host.id, name: 'Hana Host', email: t.host.email },
      attendees: [],
      transcriptReady: false,
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
      completedAt: null,
    } satisfies MeetingView);
    // Readable right away by its host.
    expect((await (await t.as(t.host)).meetings.get({ id: m.id })).id).toBe(m.id);
  });

  it('accepts offsets and zero-length meetings, trims the subject', async () => {
    const t = await team();
    const m = await (await t.as(t.host)).meetings.create({
      subject: '  Stand-up  ',
      startAt: '2026-03-02T10:00:00+01:00',
      endAt: '2026-03-02T09:00:00Z',
    });
    expect(m).toMatchObject({
      subject: 'Stand-up',
      startAt: '2026-03-02T09:00:00.000Z',
      endAt: '2026-03-02T09:00:00.000Z',
      durationSeconds: 0,
    });
  });

  it('links attendees to org users by email, case-insensitively; drops the host; collapses duplicates', async () => {
    const t = await team();
    const m = await (await t.as(t.host)).meetings.create({
      ...base,
      attendees: [
        { email: t.pia.email.toUpperCase() },
        { email: 'Guest.Person@Elsewhere.test' },
        { email: t.host.email.toUpperCase(), name: 'Me again' },
        { email: t.pia.email, name: 'Duplicate Pia' },
        { email: 'guest.person@elsewhere.TEST', name: 'Guest (later name)' },
        { email: t.stranger.email },
        { email: t.admin.email, name: 'The Boss' },
      ],
    });
    expect(m.attendees).toEqual([
      // Linked: the user's own spelling of the address, the user's name (the first mention had none,
      // a later duplicate's name fills it).
      { email: t.pia.email, name: 'Duplicate Pia', userId: t.pia.id },
      // Outsider: the address as first typed, the later duplicate's name.
      { email: 'Guest.Person@Elsewhere.test', name: 'Guest (later name)', userId: null },
      // A user of another org is an outsider here: nothing crosses orgs.
      { email: t.stranger.email, name: `stan-${t.tag}`, userId: null },
      // A given name wins over the user's.
      { email: t.admin.email, name: 'The Boss', userId: t.admin.id },
    ]);
    const plain = await (await t.as(t.host)).meetings.create({
      ...base,
      attendees: [{ email: t.pia.email }, { email: 'someone@elsewhere.test' }],
    });
    expect(plain.attendees).toEqual([
      { email: t.pia.email, name: 'Pia', userId: t.pia.id },
      { email: 'someone@elsewhere.test', name: 'someone', userId: null },
    ]);
    // Linked attendees now see it; the stranger in the other org does not.
    expect((await (await t.as(t.pia)).meetings.get({ id: m.id })).id).toBe(m.id);
    expect(await callError((await t.as(t.stranger)).meetings.get({ id: m.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('a private meeting is visible to its host alone, attendees included', async () => {
    const t = await team();
    const m = await (await t.as(t.host)).meetings.create({
      ...base,
      isPrivate: true,
      attendees: [{ email: t.pia.email }],
    });
    expect(m.isPrivate).toBe(true);
    expect(await callError((await t.as(t.pia)).meetings.get({ id: m.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await (await t.as(t.pia)).meetings.list()).items).toEqual([]);
    expect((await (await t.as(t.host)).meetings.list()).items.map((i) => i.id)).toEqual([m.id]);
  });

  it('sets completedAt when a meeting is created completed', async () => {
    const t = await team();
    clock.advance(60_000);
    const m = await (await t.as(t.host)).meetings.create({ ...base, state: 'completed' });
    expect(m.completedAt).toBe(clock.now().toISOString());
    const c = await (await t.as(t.host)).meetings.create({ ...base, state: 'cancelled' });
    expect(c.completedAt).toBeNull();
  });

  it('stores a transcript and reports transcriptReady', async () => {
    const t = await team();
    const segments = [
      { speaker: 'Hana', startSeconds: 0, endSeconds: 2.25, text: 'Good morning.' },
      { speaker: 'Pia', startSeconds: 2.25, endSeconds: 5, text: 'Morning!' },
    ];
    const caller = await t.as(t.host);
    const m = await caller.meetings.create({ ...base, transcript: segments });
    expect(m.transcriptReady).toBe(true);
    expect(await caller.meetings.transcript({ id: m.id })).toEqual({ meetingId: m.id, segments });
    const empty = await caller.meetings.create({ ...base, transcript: [] });
    expect(empty.transcriptReady).toBe(false);
  });

  it('creates over HTTP with a JSON POST and the session cookie', async () => {
    const t = await team();
    const cookie = await sessionCookieHeader(app, t.host.id);
    const res = await httpMutation<MeetingView>(server.url, 'meetings.create', base, { cookie });
    expect(res.status).toBe(200);
    expect(res.body.result!.data).toMatchObject({ subject: 'Weekly sync', host: { id: t.host.id } });
  });

  it('refuses a cross-origin browser POST (origin_mismatch)', async () => {
    const t = await team();
    const cookie = await sessionCookieHeader(app, t.host.id);
    const res = await httpMutation(server.url, 'meetings.create', base, {
      cookie,
      origin: 'https://evil.test',
    });
    expect(res.status).toBe(403);
    expect(res.body.error!.data).toMatchObject({ code: 'FORBIDDEN', reason: 'origin_mismatch' });
  });

  it('needs a session: none is UNAUTHORIZED before the input is looked at; a key header is judged alone', async () => {
    expect(await callError(app.caller().meetings.create({ subject: '' } as never))).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    const t = await team();
    const { cookies } = await sessionRequest(app, t.host.id);
    const err = await callError(
      app.caller({ cookies, authorization: 'Bearer kh_x:khs_y' }).meetings.create(base),
    );
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', reason: 'invalid_key' });
  });
});

describe('meetings.create input validation (BAD_REQUEST naming the field)', () => {
  const long = (n: number) => 'x'.repeat(n);
  const cases: { label: string; input: Record<string, unknown>; field: string }[] = [
    { label: 'empty subject', input: { ...base, subject: '' }, field: 'subject' },
    { label: 'blank subject', input: { ...base, subject: '   ' }, field: 'subject' },
    { label: 'subject of 301 characters', input: { ...base, subject: long(301) }, field: 'subject' },
    { label: 'missing subject', input: { startAt: base.startAt, endAt: base.endAt }, field: 'subject' },
    { label: 'date without time', input: { ...base, startAt: '2026-03-02' }, field: 'startAt' },
    { label: 'date in words', input: { ...base, startAt: 'tomorrow' }, field: 'startAt' },
    { label: 'impossible date', input: { ...base, endAt: '2026-02-30T10:00:00Z' }, field: 'endAt' },
    { label: 'date without offset', input: { ...base, endAt: '2026-03-02T10:00:00' }, field: 'endAt' },
    { label: 'year 0', input: { ...base, startAt: '0000-01-01T00:00:00Z' }, field: 'startAt' },
    { label: 'epoch number', input: { ...base, startAt: 1767261600000 }, field: 'startAt' },
    {
      label: 'endAt before startAt',
      input: { ...base, endAt: '2026-03-02T08:59:59.999Z' },
      field: 'endAt',
    },
    { label: 'unknown state', input: { ...base, state: 'done' }, field: 'state' },
    // PostgreSQL would refuse these (a 500): they are refused as input instead.
    { label: 'NUL in the subject', input: { ...base, subject: 'a\u0000b' }, field: 'subject' },
    { label: 'unpaired surrogate in the subject', input: { ...base, subject: 'a\ud800b' }, field: 'subject' },
    {
      label: 'NUL in an attendee name',
      input: { ...base, attendees: [{ email: 'a@b.test', name: 'x\u0000' }] },
      field: 'attendees.0.name',
    },
    {
      label: 'NUL in a transcript segment',
      input: { ...base, transcript: [{ speaker: 'S', startSeconds: 0, endSeconds: 1, text: 'a\u0000' }] },
      field: 'transcript.0.text',
    },
    {
      label: 'unpaired surrogate in a speaker',
      input: { ...base, transcript: [{ speaker: '\udc00', startSeconds: 0, endSeconds: 1, text: 'a' }] },
      field: 'transcript.0.speaker',
    },
    { label: 'isPrivate as a string', input: { ...base, isPrivate: 'yes' }, field: 'isPrivate' },
    { label: 'unknown field', input: { ...base, hostId: randomUUID() }, field: 'hostId' },
    {
      label: 'bad attendee email',
      input: { ...base, attendees: [{ email: 'nope' }] },
      field: 'attendees.0.email',
    },
    {
      label: 'unknown attendee field',
      input: { ...base, attendees: [{ email: 'a@b.test', userId: randomUUID() }] },
      field: 'attendees.0.userId',
    },
    {
      label: 'empty attendee name',
      input: { ...base, attendees: [{ email: 'a@b.test', name: ' ' }] },
      field: 'attendees.0.name',
    },
    {
      label: '201 attendees',
      input: { ...base, attendees: Array.from({ length: 201 }, (_, i) => ({ email: `a${i}@b.test` })) },
      field: 'attendees',
    },
    {
      label: 'segment ending before it starts',
      input: { ...base, transcript: [{ speaker: 'A', startSeconds: 5, endSeconds: 4, text: 'hi' }] },
      field: 'transcript.0.endSeconds',
    },
    {
      label: 'negative segment time',
      input: { ...base, transcript: [{ speaker: 'A', startSeconds: -1, endSeconds: 4, text: 'hi' }] },
      field: 'transcript.0.startSeconds',
    },
    {
      label: 'segment text over 10000 characters',
      input: { ...base, transcript: [{ speaker: 'A', startSeconds: 0, endSeconds: 1, text: long(10_001) }] },
      field: 'transcript.0.text',
    },
    {
      label: '5001 segments',
      input: {
        ...base,
        transcript: Array.from({ length: 5001 }, (_, i) => ({
          speaker: 'A',
          startSeconds: i,
          endSeconds: i,
          text: '',
        })),
      },
      field: 'transcript',
    },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      const t = await team();
      const err = await callError((await t.as(t.host)).meetings.create(c.input as never));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.fields).toContain(c.field);
    });
  }

  it('names the field in the HTTP message, with status 400', async () => {
    const t = await team();
    const cookie = await sessionCookieHeader(app, t.host.id);
    const late = await httpMutation(
      server.url,
      'meetings.create',
      { ...base, endAt: '2026-03-01T00:00:00Z' },
      { cookie },
    );
    expect(late.status).toBe(400);
    expect(late.body.error!.message).toBe('endAt: must not be before startAt');
    const unknown = await httpMutation(server.url, 'meetings.create', { ...base, host: 'me' }, { cookie });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error!.message).toContain('unknown field "host"');
    const bad = await httpMutation(server.url, 'meetings.create', { ...base, startAt: 'soon' }, { cookie });
    expect(bad.body.error!.message).toMatch(/^startAt: expected an ISO-8601 date-time/);
  });

  it('accepts the bounds themselves: 300-character subject, 200 attendees, 10000-character text', async () => {
    const t = await team();
    // Paired surrogates (emoji) are ordinary text.
    const emoji = await (await t.as(t.host)).meetings.create({ ...base, subject: 'Launch 🚀' });
    expect(emoji.subject).toBe('Launch 🚀');
    const m = await (await t.as(t.host)).meetings.create({
      ...base,
      subject: long(300),
      attendees: Array.from({ length: 200 }, (_, i) => ({ email: `a${i}@b.test` })),
      transcript: [{ speaker: 'A', startSeconds: 0, endSeconds: 1, text: long(10_000) }],
    });
    expect(m.attendees).toHaveLength(200);
    expect(m.subject).toHaveLength(300);
  });
});

describe('meetings.update', () => {
  it('changes subject, privacy, state and attendees for the host and moves updatedAt only', async () => {
    const t = await team();
    const caller = await t.as(t.host);
    const created = await caller.meetings.create({ ...base, attendees: [{ email: 'x@elsewhere.test' }] });
    clock.advance(5 * 60_000);
    const updated = await caller.meetings.update({
      id: created.id,
      subject: 'Renamed',
      state: 'in_progress',
      attendees: [{ email: t.pia.email }, { email: 'y@elsewhere.test', name: 'Y' }],
    });
    expect(updated).toEqual({
      ...created,
      subject: 'Renamed',
      state: 'in_progress',
      attendees: [
        { email: t.pia.email, name: 'Pia', userId: t.pia.id },
        { email: 'y@elsewhere.test', name: 'Y', userId: null },
      ],
      updatedAt: clock.now().toISOString(),
    });
    expect(await caller.meetings.get({ id: created.id })).toEqual(updated);
  });

  it('sets completedAt the first time the state becomes completed and never clears it', async () => {
    const t = await team();
    const caller = await t.as(t.host);
    const m = await caller.meetings.create(base);
    expect(m.completedAt).toBeNull();
    clock.advance(60_000);
    const firstCompletion = clock.now().toISOString();
    const done = await caller.meetings.update({ id: m.id, state: 'completed' });
    expect(done.completedAt).toBe(firstCompletion);
    clock.advance(60_000);
    const reopened = await caller.meetings.update({ id: m.id, state: 'in_progress' });
    expect(reopened.completedAt).toBe(firstCompletion);
    clock.advance(60_000);
    const again = await caller.meetings.update({ id: m.id, state: 'completed' });
    expect(again.completedAt).toBe(firstCompletion);
    expect(again.updatedAt).toBe(clock.now().toISOString());
    const cancelled = await caller.meetings.update({ id: m.id, state: 'cancelled' });
    expect(cancelled.completedAt).toBe(firstCompletion);
    // completedAt ordering sees it, with the first completion time.
    const list = await caller.meetings.list({ orderBy: 'completedAt' });
    expect(list.items.map((i) => [i.id, i.completedAt])).toEqual([[m.id, firstCompletion]]);
  });

  it('keeps the attendee copies in step: a meeting made private disappears for attendees', async () => {
    const t = await team();
    const caller = await t.as(t.host);
    const m = await caller.meetings.create({ ...base, attendees: [{ email: t.pia.email }] });
    const pia = await t.as(t.pia);
    expect((await pia.meetings.list()).items.map((i) => i.id)).toEqual([m.id]);
    await caller.meetings.update({ id: m.id, isPrivate: true });
    expect((await pia.meetings.list()).items).toEqual([]);
    expect(await callError(pia.meetings.get({ id: m.id }))).toMatchObject({ code: 'NOT_FOUND' });
    const [copy] = await app.deps.db
      .select()
      .from(meetingAttendees)
      .where(eq(meetingAttendees.meetingId, m.id));
    expect(copy).toMatchObject({ meetingIsPrivate: true, userId: t.pia.id });
    await caller.meetings.update({ id: m.id, isPrivate: false, state: 'completed' });
    const completedList = await pia.meetings.list({ orderBy: 'completedAt' });
    expect(completedList.items.map((i) => i.id)).toEqual([m.id]);
  });

  it('links an address that has since become an org member on the next update', async () => {
    const t = await team();
    const caller = await t.as(t.host);
    const email = `newcomer-${t.tag}@example.test`;
    const m = await caller.meetings.create({ ...base, attendees: [{ email: email.toUpperCase() }] });
    expect(m.attendees).toEqual([
      { email: email.toUpperCase(), name: `NEWCOMER-${t.tag.toUpperCase()}`, userId: null },
    ]);
    const newcomer = await seedUser(app.deps.db, { orgId: t.org.id, email, name: 'Newt' });
    const updated = await caller.meetings.update({ id: m.id, subject: 'Still weekly' });
    expect(updated.attendees).toEqual([
      { email, name: `NEWCOMER-${t.tag.toUpperCase()}`, userId: newcomer.id },
    ]);
    expect((await (await t.as(newcomer)).meetings.get({ id: m.id })).id).toBe(m.id);
  });

  it('replaces and removes the transcript', async () => {
    const t = await team();
    const caller = await t.as(t.host);
    const m = await caller.meetings.create(base);
    const segs = [{ speaker: 'A', startSeconds: 0, endSeconds: 1, text: 'one' }];
    expect((await caller.meetings.update({ id: m.id, transcript: segs })).transcriptReady).toBe(true);
    expect((await caller.meetings.transcript({ id: m.id })).segments).toEqual(segs);
    const segs2 = [{ speaker: 'B', startSeconds: 1, endSeconds: 2, text: 'two' }];
    await caller.meetings.update({ id: m.id, transcript: segs2 });
    expect((await caller.meetings.transcript({ id: m.id })).segments).toEqual(segs2);
    // Other changes leave it alone.
    expect((await caller.meetings.update({ id: m.id, subject: 'x' })).transcriptReady).toBe(true);
    const cleared = await caller.meetings.update({ id: m.id, transcript: [] });
    expect(cleared.transcriptReady).toBe(false);
    expect((await caller.meetings.transcript({ id: m.id })).segments).toEqual([]);
  });

  it('is host only: a visible meeting of another host is FORBIDDEN host_only, an invisible one NOT_FOUND', async () => {
    const w = await seedMeetingWorld(app);
    const pia = app.caller(await sessionRequest(app, w.pia.id));
    // Pia attends `shared` (hosted by Mo): she sees it but may not change it.
    expect(await callError(pia.meetings.update({ id: w.ids.shared, subject: 'Mine now' }))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'host_only',
    });
    // An admin is no exception.
    const ada = app.caller(await sessionRequest(app, w.ada.id));
    expect(await callError(ada.meetings.update({ id: w.ids.piaSolo, subject: 'x' }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    const mo = app.caller(await sessionRequest(app, w.mo.id));
    expect(await callError(mo.meetings.update({ id: w.ids.adaPub, isPrivate: true }))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'host_only',
    });
    // Private meetings of others, other orgs and unknown ids are all the same NOT_FOUND.
    const notFound = await callError(pia.meetings.update({ id: randomUUID(), subject: 'x' }));
    expect(notFound.code).toBe('NOT_FOUND');
    expect(await callError(pia.meetings.update({ id: w.ids.moPriv, subject: 'x' }))).toEqual(notFound);
    expect(await callError(pia.meetings.update({ id: w.ids.other, subject: 'x' }))).toEqual(notFound);
    // Nothing changed.
    const [row] = await app.deps.db.select().from(meetings).where(eq(meetings.id, w.ids.shared));
    expect(row!.subject).toBe('Shared');
  });

  it('refuses fields that never change after creation and other bad input, naming the field', async () => {
    const t = await team();
    const caller = await t.as(t.host);
    const m = await caller.meetings.create(base);
    const cases: [Record<string, unknown>, string][] = [
      [{ id: m.id, startAt: '2026-03-02T09:00:00Z' }, 'startAt'],
      [{ id: m.id, hostId: t.pia.id }, 'hostId'],
      [{ id: 'not-a-uuid', subject: 'x' }, 'id'],
      [{ subject: 'x' }, 'id'],
      [{ id: m.id, subject: '' }, 'subject'],
      [{ id: m.id, state: 'finished' }, 'state'],
      [{ id: m.id, attendees: [{ email: 'bad' }] }, 'attendees.0.email'],
    ];
    for (const [input, field] of cases) {
      const err = await callError(caller.meetings.update(input as never));
      expect(err.code, JSON.stringify(input)).toBe('BAD_REQUEST');
      expect(err.fields).toContain(field);
    }
  });

  it('updates over HTTP and answers 403 host_only / 404 with the documented bodies', async () => {
    const w = await seedMeetingWorld(app);
    const moCookie = await sessionCookieHeader(app, w.mo.id);
    const ok = await httpMutation<MeetingView>(
      server.url,
      'meetings.update',
      { id: w.ids.shared, state: 'in_progress' },
      { cookie: moCookie },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.result!.data.completedAt).toBe('2026-01-01T09:00:00.000Z');
    const piaCookie = await sessionCookieHeader(app, w.pia.id);
    const forbidden = await httpMutation(
      server.url,
      'meetings.update',
      { id: w.ids.shared, subject: 'x' },
      { cookie: piaCookie },
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error!.data).toMatchObject({ code: 'FORBIDDEN', reason: 'host_only' });
    const missing = await httpMutation(
      server.url,
      'meetings.update',
      { id: w.ids.moPriv, subject: 'x' },
      { cookie: piaCookie },
    );
    expect(missing.status).toBe(404);
  });
});
