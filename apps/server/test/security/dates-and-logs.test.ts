import { randomUUID } from 'node:crypto';
import { orgs } from '@keyhole/api/internal/db/schema';
import { safeError } from '@keyhole/api/internal/lib/safe-error';
import { httpMutation, httpQuery } from '@keyhole/testing/http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrg, seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';

/**
 * SPEC §9 "Dates" and "Logs" (issue 12, finding 6): a date past 9999 (after conversion to UTC) or
 * before 1900 is BAD_REQUEST naming the field, never a 500 from the database; and no log line ever
 * holds a statement's bound parameters or a driver message quoting values.
 */

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let cookie: string;
let meetingId: string;

beforeAll(async () => {
  app = await createTestApp();
  server = await startTestServer(app);
  const org = await seedOrg(app.deps.db);
  const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
  cookie = await sessionCookieHeader(app, admin.id);
  const created = await call('POST', 'meetings.create', {
    subject: 'Dated',
    startAt: '2026-01-01T10:00:00Z',
    endAt: '2026-01-01T11:00:00Z',
  });
  meetingId = (created.body as { result: { data: { id: string } } }).result.data.id;
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

async function call(method: 'GET' | 'POST', path: string, input: unknown) {
  const res = await (method === 'GET' ? httpQuery : httpMutation)(server.url, path, input, { cookie });
  return { status: res.status, body: JSON.parse(res.text) as unknown };
}

const PAST_9999 = '9999-12-31T23:00:00-23:00'; // 10000-01-01T22:00:00Z
const BEFORE_1900 = '1900-01-01T00:30:00+01:00'; // 1899-12-31T23:30:00Z
const meeting = { subject: 'x', startAt: '2026-01-01T10:00:00Z', endAt: '2026-01-01T11:00:00Z' };

const cases: { name: string; method: 'GET' | 'POST'; path: string; input: unknown; field: string }[] = [
  {
    name: 'meetings.list from',
    method: 'GET',
    path: 'meetings.list',
    input: { from: PAST_9999 },
    field: 'from',
  },
  { name: 'meetings.list to', method: 'GET', path: 'meetings.list', input: { to: PAST_9999 }, field: 'to' },
  {
    name: 'meetings.list from before 1900',
    method: 'GET',
    path: 'meetings.list',
    input: { from: BEFORE_1900 },
    field: 'from',
  },
  {
    name: 'meetings.create endAt',
    method: 'POST',
    path: 'meetings.create',
    input: { ...meeting, endAt: PAST_9999 },
    field: 'endAt',
  },
  {
    name: 'meetings.create startAt',
    method: 'POST',
    path: 'meetings.create',
    input: { ...meeting, startAt: PAST_9999, endAt: PAST_9999 },
    field: 'startAt',
  },
  {
    name: 'keys.create expiresAt',
    method: 'POST',
    path: 'keys.create',
    input: { name: 'far', scope: 'org_full', expiresAt: PAST_9999 },
    field: 'expiresAt',
  },
  { name: 'audit.list from', method: 'GET', path: 'audit.list', input: { from: PAST_9999 }, field: 'from' },
  { name: 'audit.list to', method: 'GET', path: 'audit.list', input: { to: BEFORE_1900 }, field: 'to' },
];

describe('dates outside 1900-01-01 … 9999-12-31 (UTC) are 400 naming the field (HTTP)', () => {
  for (const c of cases) {
    it(`${c.name}: ${JSON.stringify(c.input)} → 400`, async () => {
      const { status, body } = await call(c.method, c.path, c.input);
      const error = (body as { error?: { message: string; data: { code: string } } }).error;
      expect(status, JSON.stringify(body)).toBe(400);
      expect(error?.data.code).toBe('BAD_REQUEST');
      expect(error?.message).toMatch(new RegExp(`(^|; )${c.field}: must not be (after|before) `));
    });
  }

  it('meetings.update takes no dates at all: startAt and endAt are 400 naming the field', async () => {
    const { status, body } = await call('POST', 'meetings.update', { id: meetingId, endAt: PAST_9999 });
    expect(status).toBe(400);
    expect((body as { error: { message: string } }).error.message).toMatch(/endAt/);
  });

  it('the bounds themselves are accepted', async () => {
    const list = await call('GET', 'meetings.list', {
      from: '1900-01-01T00:00:00Z',
      to: '9999-12-31T23:59:59.999Z',
    });
    expect(list.status).toBe(200);
    const audit = await call('GET', 'audit.list', {
      from: '1900-01-01T00:00:00Z',
      to: '9999-12-31T23:59:59.999Z',
    });
    expect(audit.status).toBe(200);
  });

  it('audit.list from/to filter by time (from inclusive, to exclusive)', async () => {
    const now = app.deps.clock.now();
    const all = await call('GET', 'audit.list', {});
    const items = (all.body as { result: { data: { items: { at: string }[] } } }).result.data.items;
    const until = await call('GET', 'audit.list', { to: now.toISOString() });
    const since = await call('GET', 'audit.list', { from: now.toISOString() });
    const n = (r: { body: unknown }) =>
      (r.body as { result: { data: { items: unknown[] } } }).result.data.items.length;
    expect(n(until) + n(since)).toBe(items.length);
  });
});

describe('logs never hold bound parameters or driver texts with values', () => {
  const MARKER = `param-value-${randomUUID()}`;

  it('a real unique violation logged with { err }: class, SQLSTATE and constraint, no values', async () => {
    const org = await seedOrg(app.deps.db);
    const err = await app.deps.db
      .insert(orgs)
      .values({ id: org.id, name: MARKER })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeTruthy();
    const before = app.logs.lines.length;
    app.deps.logger.error({ err }, 'statement failed');
    const line = app.logs.lines.slice(before).join('\n');
    expect(line).toContain('23505');
    expect(line).toContain('orgs_pkey');
    expect(line).not.toContain(MARKER);
    expect(line).not.toContain(org.id);
    expect(line).not.toMatch(/params|already exists|Failed query/);
    expect(JSON.stringify(safeError(err))).not.toContain(MARKER);
  });

  it('a procedure failing on a real statement (500) logs no parameter of it', async () => {
    const org = await seedOrg(app.deps.db);
    const db = app.deps.db;
    // keys.create's transaction replaced by a real statement that fails and carries values.
    const spy = vi
      .spyOn(db, 'transaction')
      .mockImplementationOnce((async () => db.insert(orgs).values({ id: org.id, name: MARKER })) as never);
    const before = app.logs.lines.length;
    try {
      const { status } = await call('POST', 'keys.create', { name: 'boom', scope: 'org_full' });
      expect(status).toBe(500);
    } finally {
      spy.mockRestore();
    }
    const lines = app.logs.lines.slice(before).filter((l) => l.includes('procedure failed'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('23505');
    expect(lines[0]).not.toContain(MARKER);
    expect(lines[0]).not.toContain(org.id);
    expect(lines[0]).not.toMatch(/params|already exists|Failed query/);
  });

  it('an error that is not the database’s keeps its message and stack', () => {
    const out = safeError(new TypeError('plain bug'));
    expect(out).toMatchObject({ type: 'TypeError', message: 'plain bug' });
    expect(out.stack).toContain('plain bug');
  });
});
