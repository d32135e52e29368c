/**
 * The typed client read path an integrator follows: whoami, page through meetings with nextCursor,
 * read one meeting and its transcript, and branch on error reasons.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyholeClient,
  errorReason,
  isKeyholeClientError,
  KeyholeError,
  listAllMeetings,
  meetingPages,
  type RateLimit,
} from '../../../../packages/client/src/index';
import { EXPECTED, idsOf, type MeetingWorld, seedMeetingWorld } from '../meetings/meeting-world';
import { createKeyFor } from '../support/keys';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let w: MeetingWorld;
let key: { id: string; keyString: string; clientKey: string };

beforeAll(async () => {
  app = await createTestApp();
  server = await startTestServer(app);
  w = await seedMeetingWorld(app);
  key = await createKeyFor(app, {
    adminUserId: w.ada.id,
    scope: 'user_limited',
    issuedToUserId: w.mo.id,
    name: 'Typed client',
  });
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

describe('@keyhole/client with a real key', () => {
  it('whoami names the key, the org and the user it was issued to', async () => {
    const client = createKeyholeClient({ url: server.url, apiKey: key.keyString });
    const me = await client.whoami.query();
    expect(me).toEqual({
      key: { id: key.id, name: 'Typed client', scope: 'user_limited', clientKey: key.clientKey },
      org: { id: w.org.id, name: w.org.name },
      issuedTo: { id: w.mo.id, name: 'Mo', email: w.mo.email },
    });
  });

  it('pages through exactly the key’s meetings with nextCursor, then reads one and its transcript', async () => {
    const client = createKeyholeClient({ url: server.url, apiKey: key.keyString });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.meetings.list.query({
        limit: 1,
        orderBy: 'createdAt',
        ...(cursor ? { cursor } : {}),
      });
      ids.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(ids.sort()).toEqual(idsOf(w, EXPECTED.user_limited_mo!));
    const [meeting, transcript] = await Promise.all([
      client.meetings.get.query({ id: w.ids.shared }),
      client.meetings.transcript.query({ id: w.ids.shared }),
    ]);
    expect(meeting.host.id).toBe(w.mo.id);
    expect(transcript.segments).toHaveLength(1);
  });

  it('reports NOT_FOUND outside the key’s reach and invalid_cursor for a forged cursor', async () => {
    const client = createKeyholeClient({ url: server.url, apiKey: key.keyString });
    for (const id of [w.ids.moPriv, w.ids.other, randomUUID()]) {
      const err = await client.meetings.get.query({ id }).catch((e: unknown) => e);
      expect(isKeyholeClientError(err) && err.data?.httpStatus).toBe(404);
    }
    const bad = await client.meetings.list.query({ cursor: 'forged' }).catch((e: unknown) => e);
    expect(errorReason(bad)).toBe('invalid_cursor');
  });

  it('sees the rate-limit budget drop by one per call of a batch', async () => {
    const seen: Headers[] = [];
    const client = createKeyholeClient({
      url: server.url,
      apiKey: key.keyString,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        seen.push(res.headers);
        return res;
      },
    });
    await client.meetings.list.query({ limit: 1 });
    await Promise.all([
      client.meetings.list.query({ limit: 1 }),
      client.meetings.get.query({ id: w.ids.shared }),
    ]);
    const remaining = seen.map((h) => Number(h.get('x-ratelimit-remaining')));
    expect(remaining[0]! - remaining[1]!).toBe(2);
  });

  it('iterates every meeting of an org_full key over more than two pages, in the server’s order', async () => {
    const orgKey = await createKeyFor(app, { adminUserId: w.ada.id, scope: 'org_full', name: 'Pager' });
    let requests = 0;
    const client = createKeyholeClient({
      url: server.url,
      apiKey: orgKey.keyString,
      fetch: (input, init) => {
        requests += 1;
        return fetch(input, init);
      },
    });
    const pages: number[] = [];
    for await (const page of meetingPages(client, { limit: 2, orderBy: 'startAt', direction: 'asc' })) {
      pages.push(page.items.length);
    }
    expect(pages.length).toBeGreaterThan(2);
    expect(requests).toBe(pages.length);
    const subjects: string[] = [];
    for await (const m of listAllMeetings(client, { limit: 2, orderBy: 'startAt', direction: 'asc' })) {
      subjects.push(m.subject);
    }
    expect(subjects).toEqual([
      'Shared',
      'Mo private',
      'Ada public',
      'Pia solo',
      'Ada private',
      'Pia private',
    ]);
    const completed: string[] = [];
    for await (const m of listAllMeetings(client, { orderBy: 'completedAt', limit: 1 })) completed.push(m.id);
    expect(completed).toEqual([w.ids.shared]);
  });

  it('reports the budget of every answer, then a 429 as a KeyholeError with retryAfterSeconds', async () => {
    const tight = await createKeyFor(app, {
      adminUserId: w.ada.id,
      scope: 'org_full',
      name: 'Tight budget',
      rateLimitPerMinute: 2,
    });
    const seen: RateLimit[] = [];
    const client = createKeyholeClient({
      url: server.url,
      apiKey: tight.keyString,
      onRateLimit: (r) => seen.push(r),
    });
    await client.whoami.query();
    await client.meetings.list.query({ limit: 1 });
    const err = await client.whoami.query().catch((e: unknown) => e);
    // The refused call reports its budget too.
    expect(seen.map(({ limit, remaining }) => ({ limit, remaining }))).toEqual([
      { limit: 2, remaining: 1 },
      { limit: 2, remaining: 0 },
      { limit: 2, remaining: 0 },
    ]);
    for (const r of seen) expect(r.resetSeconds).toBeGreaterThanOrEqual(0);
    expect(err).toBeInstanceOf(KeyholeError);
    if (!(err instanceof KeyholeError)) return;
    expect({ code: err.code, reason: err.reason, httpStatus: err.httpStatus }).toEqual({
      code: 'TOO_MANY_REQUESTS',
      reason: 'rate_limited',
      httpStatus: 429,
    });
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});
