import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor } from '../support/keys';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';

/**
 * "No database write per API request": 100 authenticated reads over real HTTP send no INSERT,
 * UPDATE or DELETE, and a fixed number of reads each (the verified-key cache answers authentication).
 * Usage reaches the database only when the recorder flushes, in a fixed number of statements.
 */

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let keyString: string;
let meetingId: string;

beforeAll(async () => {
  // A long flush interval so that no timer flush lands inside the counted window.
  app = await createTestApp({
    env: { KEYHOLE_USAGE_FLUSH_MS: '5000', KEYHOLE_RATE_LIMIT_PER_MINUTE: '100000' },
  });
  server = await startTestServer(app);
  const org = await seedOrg(app.deps.db);
  const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
  for (let i = 0; i < 30; i++) {
    meetingId = await seedMeeting(app.deps.db, {
      orgId: org.id,
      hostId: admin.id,
      subject: `M${i}`,
      startAt: new Date(Date.UTC(2026, 0, 1 + i)),
      attendees: [{ email: 'guest@elsewhere.test', name: 'Guest', userId: null }],
    });
  }
  ({ keyString } = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' }));
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

const isWrite = (sql: string) => /^\s*(insert|update|delete|merge|truncate)\b/i.test(sql);

/**
 * Statements sent while `fn` runs. The usage recorder's own timed flush (one batched write every
 * `KEYHOLE_USAGE_FLUSH_MS`, not per request) can land inside a long window on a loaded machine: its
 * statements are told apart by marking the time the flush runs, and are not a request's.
 */
async function countStatements(fn: () => Promise<void>, opts: { withTimedFlushes?: boolean } = {}) {
  const seen: string[] = [];
  const recorder = app.deps.keyUsage;
  const flush = recorder.flush.bind(recorder);
  let flushing = 0;
  if (!opts.withTimedFlushes) {
    recorder.flush = async () => {
      flushing++;
      try {
        await flush();
      } finally {
        flushing--;
      }
    };
  }
  const off = app.database.onStatement((sql) => {
    if (flushing === 0) seen.push(sql);
  });
  try {
    await fn();
  } finally {
    off();
    recorder.flush = flush;
  }
  return seen;
}

describe('statements per request', () => {
  it('100 meetings.list and meetings.get calls with a key write nothing and read a fixed amount', async () => {
    const headers = { authorization: `Bearer ${keyString}` };
    const list = () =>
      fetch(`${server.url}/trpc/meetings.list?input=${encodeURIComponent('{"limit":25}')}`, { headers });
    const get = () =>
      fetch(
        `${server.url}/trpc/meetings.get?input=${encodeURIComponent(JSON.stringify({ id: meetingId }))}`,
        {
          headers,
        },
      );
    // Warm the verified-key cache; then flush usage so the counted window starts clean.
    expect((await list()).status).toBe(200);
    await app.deps.keyUsage.flush();

    const perList = await countStatements(async () => {
      expect((await list()).status).toBe(200);
    });
    const statements = await countStatements(async () => {
      for (let i = 0; i < 50; i++) {
        expect((await list()).status).toBe(200);
        expect((await get()).status).toBe(200);
      }
    });
    const writes = statements.filter(isWrite);
    console.log(
      `100 requests: ${statements.length} statements, ${writes.length} writes; one meetings.list = ${perList.length} statements`,
    );
    expect(writes).toEqual([]);
    // Authentication costs no statement once cached: a list is the same few reads every time.
    expect(perList.length).toBeLessThanOrEqual(3);
    expect(statements.length).toBeLessThanOrEqual(50 * perList.length + 50 * 2);

    // The buffered usage goes out in one flush whose statement count does not grow with the requests.
    const flush = await countStatements(() => app.deps.keyUsage.flush(), { withTimedFlushes: true });
    expect(flush.filter(isWrite).length).toBeGreaterThan(0);
    expect(flush.length).toBeLessThanOrEqual(6);
  });
});
