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
});
