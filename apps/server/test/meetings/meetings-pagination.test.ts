import { randomBytes, randomUUID } from 'node:crypto';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { listMeetingsInput } from '@keyhole/api/internal/routers/meetings-inputs';
import { encodeCursor } from '@keyhole/api/internal/services/meetings/cursor';
import {
  type ListMeetingsInput,
  listMeetings,
  type MeetingReader,
} from '@keyhole/api/internal/services/meetings/list-meetings';
import type { MeetingPageView, MeetingView } from '@keyhole/api/internal/services/meetings/views';
import { meetingAccessFor, type Principal, type Scope } from '@keyhole/core';
import { callError } from '@keyhole/testing/errors';
import { httpQuery } from '@keyhole/testing/http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { sessionCookieHeader, sessionRequest } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
const clock = new ManualClock('2026-05-04T00:00:00.000Z');

beforeAll(async () => {
  app = await createTestApp({ clock });
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

// A handful of instants, so equal sort keys are common and the id has to break ties.
const slot = (n: number) => new Date(Date.UTC(2026, 4, 1 + Math.floor(n / 2), n % 2 === 0 ? 9 : 15));
const SLOTS = 8;
const STATES = ['scheduled', 'in_progress', 'completed', 'cancelled'] as const;

const meetingArb = fc.record({
  // 0: U hosts, 1: U attends, 2: a colleague's meeting U is not in, 3: another org's meeting
  relation: fc.oneof(
    { arbitrary: fc.constantFrom(0, 1), weight: 3 },
    { arbitrary: fc.constantFrom(2, 3), weight: 1 },
  ),
  isPrivate: fc.oneof(
    { arbitrary: fc.constant(false), weight: 3 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  // Completed often, so that ordering by completedAt has something to page through.
  state: fc.oneof(
    { arbitrary: fc.constant('completed' as const), weight: 3 },
    { arbitrary: fc.constantFrom(...STATES), weight: 2 },
  ),
  start: fc.integer({ min: 0, max: SLOTS - 1 }),
  created: fc.integer({ min: 0, max: SLOTS - 1 }),
  // Through the API (the clock decides createdAt/completedAt) or straight into the store.
  viaApi: fc.boolean(),
});

const scenarioArb = fc.record({
  initial: fc.array(meetingArb, { minLength: 4, maxLength: 24 }),
  // Inserted before each page fetch after the first.
  inserts: fc.array(fc.array(meetingArb, { maxLength: 3 }), { minLength: 6, maxLength: 6 }),
  reader: fc.constantFrom<'session' | Scope>(
    'session',
    'user_limited',
    'user_full',
    'org_limited',
    'org_full',
    'legacy',
  ),
  orderBy: fc.constantFrom('startAt', 'createdAt', 'completedAt' as const),
  direction: fc.constantFrom('asc', 'desc' as const),
  limit: fc.integer({ min: 1, max: 4 }),
  // Filters are drawn now and then, so most runs still page through many meetings.
  state: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: fc.constantFrom(...STATES), weight: 1 },
  ),
  window: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    {
      arbitrary: fc.tuple(fc.integer({ min: 0, max: SLOTS - 1 }), fc.integer({ min: 1, max: SLOTS })),
      weight: 1,
    },
  ),
});

type MeetingSpec = typeof meetingArb extends fc.Arbitrary<infer T> ? T : never;

describe('keyset pagination', () => {
  it('never skips or repeats a meeting that existed when paging began, while meetings are added between pages', async () => {
    let runs = 0;
    let pagesFetched = 0;
    let insertedDuring = 0;
    let existedBefore = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        runs++;
        const db = app.deps.db;
        const org = await seedOrg(db);
        const otherOrg = await seedOrg(db);
        const u = await seedUser(db, { orgId: org.id, name: 'U' });
        const colleague = await seedUser(db, { orgId: org.id, name: 'C' });
        const outsider = await seedUser(db, { orgId: otherOrg.id, name: 'O' });
        clock.set(slot(3));
        const uSession = await sessionRequest(app, u.id);
        const colleagueSession = await sessionRequest(app, colleague.id);
        const outsiderSession = await sessionRequest(app, outsider.id);

        const add = async (m: MeetingSpec) => {
          const hostId = m.relation === 0 ? u.id : m.relation === 3 ? outsider.id : colleague.id;
          const attendees =
            m.relation === 1 ? [{ email: u.email }] : m.relation === 3 ? [{ email: u.email }] : [];
          if (m.viaApi) {
            clock.set(slot(m.created));
            const session =
              m.relation === 0 ? uSession : m.relation === 3 ? outsiderSession : colleagueSession;
            await app.caller(session).meetings.create({
              subject: 'p',
              startAt: slot(m.start).toISOString(),
              endAt: slot(m.start).toISOString(),
              isPrivate: m.isPrivate,
              state: m.state,
              attendees,
            });
          } else {
            await seedMeeting(db, {
              orgId: m.relation === 3 ? otherOrg.id : org.id,
              hostId,
              startAt: slot(m.start),
              createdAt: slot(m.created),
              isPrivate: m.isPrivate,
              state: m.state,
              completedAt: m.state === 'completed' ? slot((m.created + m.start) % SLOTS) : null,
              attendees: m.relation === 1 ? [{ email: u.email, name: u.name, userId: u.id }] : [],
            });
          }
        };

        const settings = { orgFullKeysIncludePrivate: true, allowKeyReveal: true };
        const principal: Principal =
          s.reader === 'session'
            ? { kind: 'session', orgId: org.id, userId: u.id }
            : {
                kind: 'key',
                orgId: org.id,
                scope: s.reader,
                issuedToUserId: s.reader === 'user_limited' || s.reader === 'user_full' ? u.id : null,
              };
        const reader: MeetingReader = {
          access: meetingAccessFor(principal, settings),
          owner: `org:${org.id}:key:${randomUUID()}`,
        };
        const query = {
          limit: s.limit,
          orderBy: s.orderBy,
          direction: s.direction,
          state: s.state,
          ...(s.window
            ? {
                from: slot(s.window[0]).toISOString(),
                to: slot(Math.min(SLOTS, s.window[0] + s.window[1])).toISOString(),
              }
            : {}),
        };
        const fetchPage = (cursor: string | undefined): Promise<MeetingPageView> =>
          s.reader === 'session'
            ? app.caller(uSession).meetings.list({ ...query, ...(cursor ? { cursor } : {}) })
            : listMeetings(
                app.deps,
                reader,
                listMeetingsInput.parse({ ...query, cursor }) as ListMeetingsInput,
              );
        const everything = async () => {
          const all: MeetingView[] = [];
          let c: string | undefined;
          do {
            const p = await (s.reader === 'session'
              ? app.caller(uSession).meetings.list({ ...query, limit: 100, ...(c ? { cursor: c } : {}) })
              : listMeetings(app.deps, reader, listMeetingsInput.parse({ ...query, limit: 100, cursor: c })));
            all.push(...p.items);
            c = p.nextCursor ?? undefined;
          } while (c);
          return all;
        };

        for (const m of s.initial) await add(m);
        const before = new Set((await everything()).map((m) => m.id));
        existedBefore += before.size;

        const seen: MeetingView[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 200; page++) {
          if (page > 0) {
            for (const m of s.inserts[page % s.inserts.length]!) {
              await add(m);
              insertedDuring++;
            }
          }
          const result = await fetchPage(cursor);
          pagesFetched++;
          expect(result.items.length).toBeLessThanOrEqual(s.limit);
          seen.push(...result.items);
          if (result.nextCursor === null) break;
          expect(result.items.length).toBe(s.limit);
          cursor = result.nextCursor;
        }
        const ids = seen.map((m) => m.id);
        // Nothing repeated, not even meetings added meanwhile.
        expect(new Set(ids).size).toBe(ids.length);
        // Nothing that existed at the start skipped.
        for (const id of before) expect(ids).toContain(id);
        // Nothing outside the reader's reach or the filters: everything seen is in the final full list.
        const after = new Set((await everything()).map((m) => m.id));
        for (const id of ids) expect(after.has(id)).toBe(true);
        // Keyset order holds across page boundaries.
        const key = (m: MeetingView) => Date.parse(m[s.orderBy]!);
        for (let i = 1; i < seen.length; i++) {
          const a = seen[i - 1]!;
          const b = seen[i]!;
          const c = key(a) - key(b) || (a.id < b.id ? -1 : 1);
          expect(s.direction === 'asc' ? c < 0 : c > 0).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
    expect(runs).toBeGreaterThanOrEqual(100);
    expect(pagesFetched).toBeGreaterThan(200);
    expect(insertedDuring).toBeGreaterThan(50);
    // The property is only as good as the lists it pages through.
    expect(existedBefore).toBeGreaterThan(200);
  }, 240_000);
});

describe('cursors', () => {
  async function pagedWorld() {
    const db = app.deps.db;
    const org = await seedOrg(db);
    const u = await seedUser(db, { orgId: org.id });
    const other = await seedUser(db, { orgId: org.id });
    for (let i = 0; i < 5; i++) {
      await seedMeeting(db, {
        orgId: org.id,
        hostId: u.id,
        startAt: slot(i),
        state: i % 2 ? 'completed' : 'scheduled',
      });
    }
    const caller = app.caller(await sessionRequest(app, u.id));
    const first = await caller.meetings.list({ limit: 2 });
    expect(first.nextCursor).toEqual(expect.any(String));
    return { org, u, other, caller, cursor: first.nextCursor!, first };
  }

  it('walks every page and ends with nextCursor null; the page size may change between pages', async () => {
    const { caller, cursor, first } = await pagedWorld();
    const second = await caller.meetings.list({ limit: 1, cursor });
    const rest = await caller.meetings.list({ limit: 10, cursor: second.nextCursor! });
    expect(rest.nextCursor).toBeNull();
    const all = [...first.items, ...second.items, ...rest.items].map((m) => m.startAt);
    expect(all).toEqual([4, 3, 2, 1, 0].map((i) => slot(i).toISOString()));
    // A page that ends exactly at the last item has no next cursor.
    expect((await caller.meetings.list({ limit: 5 })).nextCursor).toBeNull();
  });

  it('is opaque: no ids, dates or filters readable as such', async () => {
    const { cursor, u } = await pagedWorld();
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(u.id);
  });

  const invalidCursor = async (p: Promise<unknown>) => {
    const err = await callError(p);
    expect(err).toMatchObject({ code: 'BAD_REQUEST', reason: 'invalid_cursor' });
    expect(err.message).toMatch(/^cursor: /);
    return err.message;
  };

  it('refuses forged, truncated and tampered cursors', async () => {
    const { caller, cursor } = await pagedWorld();
    const [body, tag] = cursor.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const reencode = (p: Record<string, unknown>) => Buffer.from(JSON.stringify(p)).toString('base64url');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const forged = [
      'abc',
      randomBytes(40).toString('base64url'),
      `${randomBytes(40).toString('base64url')}.${randomBytes(16).toString('base64url')}`,
      cursor.slice(0, -1),
      cursor.slice(0, -4),
      body,
      `${body}.`,
      `.${tag}`,
      `${cursor}.x`,
      `${flip(body, 3)}.${tag}`,
      `${body}.${flip(tag, 5)}`,
      `${reencode({ ...payload, id: randomUUID() })}.${tag}`,
      `${reencode({ ...payload, at: (payload.at as number) - 1 })}.${tag}`,
      `${reencode({ ...payload, o: 'createdAt' })}.${tag}`,
      // Signed with another server's key.
      encodeCursor(
        randomBytes(32),
        { orderBy: 'startAt', direction: 'desc', owner: 'x' },
        { at: new Date(), id: randomUUID() },
      ),
      `${cursor} `,
      cursor.replace(/\./, '%2E'),
    ];
    for (const c of forged) {
      const message = await invalidCursor(caller.meetings.list({ limit: 2, cursor: c }));
      expect(message, c).toContain('not a cursor this server issued');
    }
  });

  it('refuses a cursor reused with another orderBy, direction or filter', async () => {
    const { caller, cursor } = await pagedWorld();
    const orderMessage = await invalidCursor(
      caller.meetings.list({ limit: 2, cursor, orderBy: 'createdAt' }),
    );
    expect(orderMessage).toContain('orderBy');
    await invalidCursor(caller.meetings.list({ limit: 2, cursor, orderBy: 'completedAt' }));
    await invalidCursor(caller.meetings.list({ limit: 2, cursor, direction: 'asc' }));
    const filterMessage = await invalidCursor(caller.meetings.list({ limit: 2, cursor, state: 'completed' }));
    expect(filterMessage).toContain('filters');
    await invalidCursor(caller.meetings.list({ limit: 2, cursor, from: slot(0).toISOString() }));
    await invalidCursor(caller.meetings.list({ limit: 2, cursor, to: slot(7).toISOString() }));
    // Stating the defaults explicitly is the same query.
    const same = await caller.meetings.list({ limit: 2, cursor, orderBy: 'startAt', direction: 'desc' });
    expect(same.items).toHaveLength(2);
  });

  it('binds the filters exactly: a cursor from a filtered query does not work with other bounds', async () => {
    const { caller } = await pagedWorld();
    const filtered = await caller.meetings.list({
      limit: 1,
      from: slot(0).toISOString(),
      to: slot(4).toISOString(),
    });
    const cursor = filtered.nextCursor!;
    expect(
      (
        await caller.meetings.list({
          limit: 1,
          cursor,
          from: slot(0).toISOString(),
          to: slot(4).toISOString(),
        })
      ).items,
    ).toHaveLength(1);
    // The same instant written with an offset is the same filter.
    expect(
      (
        await caller.meetings.list({
          limit: 1,
          cursor,
          from: '2026-05-01T11:00:00+02:00',
          to: slot(4).toISOString(),
        })
      ).items,
    ).toHaveLength(1);
    await invalidCursor(
      caller.meetings.list({ limit: 1, cursor, from: slot(1).toISOString(), to: slot(4).toISOString() }),
    );
    await invalidCursor(caller.meetings.list({ limit: 1, cursor, from: slot(0).toISOString() }));
  });

  it('belongs to the caller it was issued to', async () => {
    const { cursor, other, org } = await pagedWorld();
    const otherCaller = app.caller(await sessionRequest(app, other.id));
    const message = await invalidCursor(otherCaller.meetings.list({ limit: 2, cursor }));
    expect(message).toContain('another caller');
    // A key of the same org cannot replay it either.
    const access = meetingAccessFor(
      { kind: 'key', orgId: org.id, scope: 'legacy', issuedToUserId: null },
      {
        orgFullKeysIncludePrivate: true,
        allowKeyReveal: true,
      },
    );
    await expect(
      listMeetings(
        app.deps,
        { access, owner: `org:${org.id}:key:${randomUUID()}` },
        listMeetingsInput.parse({ limit: 2, cursor }),
      ),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      reason: 'invalid_cursor',
      message: expect.stringContaining('another caller'),
    });
  });

  it('answers 400 invalid_cursor over HTTP with a message naming cursor', async () => {
    const { u } = await pagedWorld();
    const cookie = await sessionCookieHeader(app, u.id);
    const res = await httpQuery(server.url, 'meetings.list', { cursor: 'not-a-cursor' }, { cookie });
    expect(res.status).toBe(400);
    expect(res.body.error!.data).toMatchObject({
      code: 'BAD_REQUEST',
      httpStatus: 400,
      reason: 'invalid_cursor',
    });
    expect(res.body.error!.message).toMatch(/^cursor: /);
  });
});

describe('meetings.list / get / transcript input validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['limit 0', { limit: 0 }, 'limit'],
    ['limit 101', { limit: 101 }, 'limit'],
    ['limit 2.5', { limit: 2.5 }, 'limit'],
    ['limit as a string', { limit: '10' }, 'limit'],
    ['from in words', { from: 'yesterday' }, 'from'],
    ['to without a time', { to: '2026-05-01' }, 'to'],
    ['impossible from', { from: '2026-02-29T00:00:00Z' }, 'from'],
    ['to before from', { from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' }, 'to'],
    ['unknown state', { state: 'done' }, 'state'],
    ['unknown orderBy', { orderBy: 'subject' }, 'orderBy'],
    ['unknown direction', { direction: 'up' }, 'direction'],
    ['unknown field', { offset: 10 }, 'offset'],
    ['empty cursor', { cursor: '' }, 'cursor'],
    ['huge cursor', { cursor: 'a'.repeat(5000) }, 'cursor'],
  ];
  for (const [label, input, field] of cases) {
    it(`list: ${label}`, async () => {
      const org = await seedOrg(app.deps.db);
      const u = await seedUser(app.deps.db, { orgId: org.id });
      const err = await callError(app.caller(await sessionRequest(app, u.id)).meetings.list(input as never));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.fields).toContain(field);
    });
  }

  it('over HTTP: 400 with the field first in the message, for list, get and transcript', async () => {
    const org = await seedOrg(app.deps.db);
    const u = await seedUser(app.deps.db, { orgId: org.id });
    const cookie = await sessionCookieHeader(app, u.id);
    const expectations: [string, unknown, RegExp][] = [
      ['meetings.list', { limit: 0 }, /^limit: must be between 1 and 100/],
      ['meetings.list', { limit: 101 }, /^limit: must be between 1 and 100/],
      ['meetings.list', { from: 'x' }, /^from: expected an ISO-8601 date-time/],
      ['meetings.list', { offset: 1 }, /unknown field "offset"/],
      [
        'meetings.list',
        { from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' },
        /^to: must not be before from/,
      ],
      ['meetings.get', { id: 'nope' }, /^id: expected a meeting id/],
      ['meetings.get', {}, /^id: /],
      ['meetings.get', { id: randomUUID(), extra: 1 }, /unknown field "extra"/],
      ['meetings.transcript', { id: '123' }, /^id: expected a meeting id/],
    ];
    for (const [path, input, message] of expectations) {
      const res = await httpQuery(server.url, path, input, { cookie });
      expect(res.status, `${path} ${JSON.stringify(input)}`).toBe(400);
      expect(res.body.error!.data.code).toBe('BAD_REQUEST');
      expect(res.body.error!.message).toMatch(message);
    }
    // Input that is not JSON at all.
    const res = await fetch(`${server.url}/trpc/meetings.list?input=%7Bnot-json`, { headers: { cookie } });
    expect(res.status).toBe(400);
  });

  it('credentials come first: no session with a bad input is UNAUTHORIZED', async () => {
    const res = await httpQuery(server.url, 'meetings.list', { limit: 0 });
    expect(res.status).toBe(401);
  });
});
