import { randomUUID } from 'node:crypto';
import { listMeetingsInput } from '@keyhole/api/internal/routers/meetings-inputs';
import { getMeeting } from '@keyhole/api/internal/services/meetings/get-meeting';
import { getTranscript } from '@keyhole/api/internal/services/meetings/get-transcript';
import { listMeetings } from '@keyhole/api/internal/services/meetings/list-meetings';
import type {
  MeetingPageView,
  MeetingView,
  TranscriptView,
} from '@keyhole/api/internal/services/meetings/views';
import { canPrincipalRead, meetingAccessFor, type Principal, type Scope } from '@keyhole/core';
import { callError } from '@keyhole/testing/errors';
import { httpQuery } from '@keyhole/testing/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieHeader, sessionRequest } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { ALL_MEETINGS, EXPECTED, idsOf, type MeetingWorld, seedMeetingWorld } from './meeting-world';

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let w: MeetingWorld;

beforeAll(async () => {
  app = await createTestApp();
  server = await startTestServer(app);
  w = await seedMeetingWorld(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

const sorted = (items: { id: string }[]) => items.map((m) => m.id).sort();

describe('meetings.list / get / transcript for a signed-in user (createCaller)', () => {
  for (const who of ['mo', 'ada', 'pia'] as const) {
    it(`${who} lists exactly the meetings they can see, and reads each of them and nothing else`, async () => {
      const user = w[who];
      const caller = app.caller(await sessionRequest(app, user.id));
      const expected = idsOf(w, EXPECTED[`session_${who}`]!);
      const page = await caller.meetings.list({ limit: 100 });
      expect(sorted(page.items)).toEqual(expected);
      expect(page.nextCursor).toBeNull();
      // The hand-written expectation agrees with core's rule.
      const principal: Principal = { kind: 'session', orgId: w.org.id, userId: user.id };
      expect(
        idsOf(
          w,
          ALL_MEETINGS.filter((n) => canPrincipalRead(principal, w.org, w.facts[n])),
        ),
      ).toEqual(expected);
      for (const name of ALL_MEETINGS) {
        const id = w.ids[name];
        if (expected.includes(id)) {
          expect((await caller.meetings.get({ id })).id).toBe(id);
          expect((await caller.meetings.transcript({ id })).meetingId).toBe(id);
        } else {
          expect(await callError(caller.meetings.get({ id }))).toMatchObject({ code: 'NOT_FOUND' });
          expect(await callError(caller.meetings.transcript({ id }))).toMatchObject({ code: 'NOT_FOUND' });
        }
      }
    });
  }

  it('an admin has no wider reach than a member: a member’s private meeting is NOT_FOUND for the admin', async () => {
    const admin = app.caller(await sessionRequest(app, w.ada.id));
    const err = await callError(admin.meetings.get({ id: w.ids.moPriv }));
    expect(err.code).toBe('NOT_FOUND');
  });

  it('answers an unknown id, another org’s meeting and an invisible meeting with the same NOT_FOUND message', async () => {
    const caller = app.caller(await sessionRequest(app, w.mo.id));
    const unknown = await callError(caller.meetings.get({ id: randomUUID() }));
    const otherOrg = await callError(caller.meetings.get({ id: w.ids.other }));
    const invisible = await callError(caller.meetings.get({ id: w.ids.piaPriv }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(otherOrg).toEqual(unknown);
    expect(invisible).toEqual(unknown);
    const unknownT = await callError(caller.meetings.transcript({ id: randomUUID() }));
    expect(await callError(caller.meetings.transcript({ id: w.ids.piaPriv }))).toEqual(unknownT);
  });

  it('returns the SPEC §5 Meeting shape with ISO dates, host, linked and outside attendees', async () => {
    const caller = app.caller(await sessionRequest(app, w.pia.id));
    const m = await caller.meetings.get({ id: w.ids.shared });
    expect(m).toEqual({
      id: w.ids.shared,
      subject: 'Shared',
      startAt: '2026-01-01T09:00:00.000Z',
      endAt: '2026-01-01T09:30:00.000Z',
      durationSeconds: 1800,
      state: 'completed',
      isPrivate: false,
      host: { id: w.mo.id, name: 'Mo', email: w.mo.email },
      attendees: [
        { email: w.pia.email, name: 'Pia', userId: w.pia.id },
        { email: 'guest@elsewhere.test', name: 'Guest', userId: null },
      ],
      transcriptReady: true,
      createdAt: '2026-01-01T09:00:00.000Z',
      updatedAt: '2026-01-01T09:00:00.000Z',
      completedAt: '2026-01-01T09:00:00.000Z',
    } satisfies MeetingView);
    expect(await caller.meetings.transcript({ id: w.ids.shared })).toEqual({
      meetingId: w.ids.shared,
      segments: [{ speaker: 'Mo', startSeconds: 0, endSeconds: 4.5, text: 'Hello all.' }],
    });
    // No transcript is an empty list, not an error.
    const pia = await caller.meetings.transcript({ id: w.ids.piaSolo });
    expect(pia).toEqual({ meetingId: w.ids.piaSolo, segments: [] });
    expect((await caller.meetings.get({ id: w.ids.piaSolo })).transcriptReady).toBe(false);
  });

  it('lists newest start first by default, and orders by each key in each direction', async () => {
    const caller = app.caller(await sessionRequest(app, w.mo.id));
    const byDefault = await caller.meetings.list();
    expect(byDefault.items.map((m) => m.subject)).toEqual(['Ada public', 'Mo private', 'Shared']);
    const asc = await caller.meetings.list({ direction: 'asc' });
    expect(asc.items.map((m) => m.subject)).toEqual(['Shared', 'Mo private', 'Ada public']);
    // Only `shared` has a completedAt.
    const completed = await caller.meetings.list({ orderBy: 'completedAt' });
    expect(completed.items.map((m) => m.id)).toEqual([w.ids.shared]);
    const byCreated = await caller.meetings.list({ orderBy: 'createdAt', direction: 'asc' });
    expect(sorted(byCreated.items)).toEqual(idsOf(w, EXPECTED.session_mo!));
  });

  it('filters by from (inclusive), to (exclusive) and state', async () => {
    const caller = app.caller(await sessionRequest(app, w.mo.id));
    const window = await caller.meetings.list({ from: '2026-01-02T09:00:00Z', to: '2026-01-03T09:00:00Z' });
    expect(window.items.map((m) => m.id)).toEqual([w.ids.moPriv]);
    const fromOnly = await caller.meetings.list({ from: '2026-01-02T09:00:00.001Z' });
    expect(window.items.length + fromOnly.items.length).toBeGreaterThan(0);
    expect(fromOnly.items.map((m) => m.id)).toEqual([w.ids.adaPub]);
    const state = await caller.meetings.list({ state: 'completed' });
    expect(state.items.map((m) => m.id)).toEqual([w.ids.shared]);
    const none = await caller.meetings.list({ state: 'cancelled' });
    expect(none).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a caller without credentials, and a bad Authorization header beside a good cookie', async () => {
    expect(await callError(app.caller().meetings.list())).toMatchObject({ code: 'UNAUTHORIZED' });
    const { cookies } = await sessionRequest(app, w.mo.id);
    const err = await callError(
      app.caller({ cookies, authorization: 'Bearer kh_nope:khs_nope' }).meetings.get({ id: w.ids.shared }),
    );
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', reason: 'invalid_key' });
  });
});

describe('the same reads over HTTP (GET ?input=, cookie)', () => {
  for (const who of ['mo', 'ada', 'pia'] as const) {
    it(`${who}: list, get and transcript over the wire`, async () => {
      const cookie = await sessionCookieHeader(app, w[who].id);
      const list = await httpQuery<MeetingPageView>(server.url, 'meetings.list', { limit: 100 }, { cookie });
      expect(list.status).toBe(200);
      const expected = idsOf(w, EXPECTED[`session_${who}`]!);
      expect(sorted(list.body.result!.data.items)).toEqual(expected);
      for (const name of ALL_MEETINGS) {
        const id = w.ids[name];
        const get = await httpQuery<MeetingView>(server.url, 'meetings.get', { id }, { cookie });
        const t = await httpQuery<TranscriptView>(server.url, 'meetings.transcript', { id }, { cookie });
        if (expected.includes(id)) {
          expect(get.status).toBe(200);
          expect(get.body.result!.data.id).toBe(id);
          expect(t.status).toBe(200);
        } else {
          expect(get.status).toBe(404);
          expect(get.body.error!.data.code).toBe('NOT_FOUND');
          expect(t.status).toBe(404);
        }
      }
    });
  }

  it('lists with no input at all (defaults), and answers a batch', async () => {
    const cookie = await sessionCookieHeader(app, w.pia.id);
    const bare = await fetch(`${server.url}/trpc/meetings.list`, { headers: { cookie } });
    expect(bare.status).toBe(200);
    const body = (await bare.json()) as { result: { data: MeetingPageView } };
    expect(sorted(body.result.data.items)).toEqual(idsOf(w, EXPECTED.session_pia!));
    const input = encodeURIComponent(JSON.stringify({ 0: { id: w.ids.piaSolo }, 1: { id: w.ids.moPriv } }));
    const batch = await fetch(`${server.url}/trpc/meetings.get,meetings.get?batch=1&input=${input}`, {
      headers: { cookie },
    });
    const results = (await batch.json()) as [
      { result?: { data: MeetingView } },
      { error?: { data: { code: string } } },
    ];
    expect(results[0].result!.data.id).toBe(w.ids.piaSolo);
    expect(results[1].error!.data.code).toBe('NOT_FOUND');
  });

  it('says 401 without credentials and never leaks a stack', async () => {
    const res = await httpQuery(server.url, 'meetings.get', { id: w.ids.shared });
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toMatch(/stack|\.ts:\d/);
  });
});

describe('key principals, through core’s access data and the same services the router calls', () => {
  const cases: { label: string; scope: Scope; user?: 'mo' | 'pia'; includePrivate?: boolean }[] = [
    { label: 'user_limited_mo', scope: 'user_limited', user: 'mo' },
    { label: 'user_full_mo', scope: 'user_full', user: 'mo' },
    { label: 'user_limited_pia', scope: 'user_limited', user: 'pia' },
    { label: 'user_full_pia', scope: 'user_full', user: 'pia' },
    { label: 'org_limited', scope: 'org_limited' },
    { label: 'org_full', scope: 'org_full', includePrivate: true },
    { label: 'org_full_without_private', scope: 'org_full', includePrivate: false },
    { label: 'legacy', scope: 'legacy', includePrivate: false },
  ];
  for (const c of cases) {
    it(`${c.label}: list, get and transcript return exactly SPEC §2’s set`, async () => {
      const settings = { orgFullKeysIncludePrivate: c.includePrivate ?? true, allowKeyReveal: true };
      const principal: Principal = {
        kind: 'key',
        orgId: w.org.id,
        scope: c.scope,
        issuedToUserId: c.user ? w[c.user].id : null,
      };
      const access = meetingAccessFor(principal, settings);
      const reader = { access, owner: `org:${w.org.id}:key:${randomUUID()}` };
      const expected = idsOf(w, EXPECTED[c.label]!);
      expect(
        idsOf(
          w,
          ALL_MEETINGS.filter((n) => canPrincipalRead(principal, settings, w.facts[n])),
        ),
      ).toEqual(expected);
      // Small pages, so the cursor path is exercised for keys too.
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listMeetings(app.deps, reader, listMeetingsInput.parse({ limit: 2, cursor }));
        seen.push(...page.items.map((m) => m.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect([...seen].sort()).toEqual(expected);
      for (const name of ALL_MEETINGS) {
        const id = w.ids[name];
        if (expected.includes(id)) {
          expect((await getMeeting(app.deps, access, id)).id).toBe(id);
          expect((await getTranscript(app.deps, access, id)).meetingId).toBe(id);
        } else {
          await expect(getMeeting(app.deps, access, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
          await expect(getTranscript(app.deps, access, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
        }
      }
    });
  }
});
