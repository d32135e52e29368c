import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpMutation } from '@keyhole/testing/http';
import { type HttpAccount, signUpWithKey } from '@keyhole/testing/world';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from '../support/api-process';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres';

/**
 * SPEC §11 "Durable, at-least-once" (issue 17), against a private PostgreSQL 15 cluster and real
 * `keyhole serve` processes delivering to a receiver on 127.0.0.1 (nothing beyond loopback):
 *
 * (a) 1,000 deliveries are made, the receiver holds its answers so that most are still pending or in
 *     flight, the process is `kill -9`ed, a new one is started on the same database: every
 *     (webhook-id, subscription) pair is answered 200 at least once and every delivery row ends
 *     `succeeded`. Jobs that were active in the killed process come back once they expire
 *     (`KEYHOLE_WEBHOOK_JOB_EXPIRE_SECONDS`, lowered to its floor of 15 s here to keep the run short).
 * (b) two processes share one queue: 600 deliveries made through process A while B runs too; each
 *     arrives, each is sent by exactly one process (their `webhook delivery attempt` debug lines), and
 *     both sent a share.
 *
 * A pair counts as delivered only once the receiver has written its 200 answer: a request the kill cut
 * off while it was held is not one (the sender never learnt of it, and must send it again).
 */

const BASE_ENV = {
  KEYHOLE_WEBHOOK_ALLOW_HTTP: 'true',
  KEYHOLE_WEBHOOK_ALLOW_PRIVATE: 'true',
  KEYHOLE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  KEYHOLE_PASSWORD_COST: '10',
  KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
  KEYHOLE_RATE_LIMIT_PER_MINUTE: '1000000',
};
const log = (s: string) => console.log(`[webhooks-durability] ${s}`);

let pg: PrivatePostgres;
let sql: postgres.Sql;
const processes: ApiProcess[] = [];

beforeAll(async () => {
  pg = await startPrivatePostgres({ name: 'webhooks' });
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  for (const p of processes) await p.kill();
  await sql?.end({ timeout: 1 });
  await pg?.kill();
});

async function serve(name: string, env: Record<string, string> = {}) {
  const p = await startApiProcess({
    name,
    databaseUrl: pg.url,
    dropEnv: ['REDIS_URL'],
    env: { ...BASE_ENV, ...env },
  });
  processes.push(p);
  return p;
}

interface Arrival {
  /** The subscription, from the receiver URL's `?s=`. */
  sub: string;
  webhookId: string;
  type: string;
  meetingId: string;
  at: number;
}

/**
 * A receiver on 127.0.0.1 whose answer delay the test changes as it goes. `answered` holds the
 * requests it wrote a 200 for; `arrived` counts every request, held or not.
 */
async function startHoldingReceiver() {
  const answered: Arrival[] = [];
  let arrived = 0;
  let holding = 0;
  let delayMs = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrived++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        type: string;
        data: { id: string };
      };
      const a: Arrival = {
        sub: new URL(req.url ?? '/', 'http://x').searchParams.get('s') ?? '',
        webhookId: String(req.headers['webhook-id']),
        type: body.type,
        meetingId: body.data.id,
        at: 0,
      };
      const answer = () => {
        holding--;
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok', () => {
          a.at = Date.now();
          answered.push(a);
        });
      };
      holding++;
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (sub: string) => `http://127.0.0.1:${port}/hook?s=${sub}`,
    answered,
    arrived: () => arrived,
    holding: () => holding,
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

type Receiver = Awaited<ReturnType<typeof startHoldingReceiver>>;

async function mustMutate<T>(
  url: string,
  path: string,
  input: unknown,
  opts: { cookie?: string; key?: string },
) {
  const res = await httpMutation<T>(url, path, input, {
    ...(opts.cookie ? { cookie: opts.cookie } : {}),
    ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
  });
  if (res.status !== 200 || !res.body.result) throw new Error(`${path}: ${res.status} ${res.text}`);
  return res.body.result.data;
}

/** `subs` subscriptions of the account's key to `meeting.created`, each with a URL of its own. */
async function subscribe(server: ApiProcess, account: HttpAccount, receiver: Receiver, subs: string[]) {
  const ids = new Map<string, string>();
  for (const s of subs) {
    const { subscription } = await mustMutate<{ subscription: { id: string } }>(
      server.url,
      'webhooks.subscribe',
      { url: receiver.urlFor(s), events: ['meeting.created'] },
      { key: account.keyString },
    );
    ids.set(s, subscription.id);
  }
  return ids;
}

/** `count` meetings.create calls as the admin's session, `parallel` at a time; the ids answered. */
async function createMeetings(server: ApiProcess, cookie: string, count: number, parallel = 6) {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const start = new Date(Date.UTC(2026, 6, 1, 9) + n * 3_600_000);
      const m = await mustMutate<{ id: string }>(
        server.url,
        'meetings.create',
        {
          subject: `Durable ${n}`,
          startAt: start.toISOString(),
          endAt: new Date(start.getTime() + 1_800_000).toISOString(),
        },
        { cookie },
      );
      ids.push(m.id);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ids;
}

/** The (meeting, subscription) pairs not yet answered 200, of those expected. */
function missing(receiver: Receiver, meetingIds: string[], subs: string[]) {
  const got = new Set(
    receiver.answered.filter((a) => a.type === 'meeting.created').map((a) => `${a.meetingId} ${a.sub}`),
  );
  return meetingIds.flatMap((m) => subs.filter((s) => !got.has(`${m} ${s}`)).map((s) => `${m} ${s}`));
}

async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function deliveryStatuses(subscriptionIds: string[]) {
  const rows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from webhook_deliveries
    where subscription_id in ${sql(subscriptionIds)} group by status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
}

/**
 * The end of both scenarios: waits until every (meeting, subscription) pair is answered 200 (else
 * fails naming some that never were), then until every delivery row is `succeeded`, one receipt per
 * (webhook-id, subscription) counted; `drainedAt` is when the last pair was answered.
 */
async function drain(
  receiver: Receiver,
  run: { meetingIds: string[]; subs: string[]; subIds: Map<string, string>; expected: number },
) {
  const { meetingIds, subs, subIds, expected } = run;
  try {
    await waitUntil('every pair answered', () => missing(receiver, meetingIds, subs).length === 0, 120_000);
  } catch (err) {
    const left = missing(receiver, meetingIds, subs);
    throw new Error(
      `${String(err)}: ${left.length} pairs never delivered, e.g. ${left.slice(0, 5).join(', ')}`,
    );
  }
  const drainedAt = Date.now();
  expect(missing(receiver, meetingIds, subs)).toEqual([]);
  const distinct = new Set(receiver.answered.map((a) => `${a.webhookId} ${a.sub}`)).size;
  expect(distinct).toBe(expected);
  // Every delivery row ends succeeded (the outcome is recorded just after the receiver's answer).
  await waitUntil(
    'every delivery row succeeded',
    async () => (await deliveryStatuses([...subIds.values()])).succeeded === expected,
    30_000,
  );
  expect(await deliveryStatuses([...subIds.values()])).toEqual({ succeeded: expected });
  return { drainedAt, distinct };
}

describe('webhook deliveries are durable (SPEC §11, issue 17)', () => {
  it('(a) kill -9 with ~1,000 deliveries pending: after a restart every one arrives, none lost', async () => {
    const SUBS = ['a1', 'a2', 'a3', 'a4'];
    const MEETINGS = 250; // × 4 subscriptions = 1,000 deliveries
    const ENV = { KEYHOLE_WEBHOOK_JOB_EXPIRE_SECONDS: '15' };
    const receiver = await startHoldingReceiver();
    try {
      // Held 2 s each: the 20 jobs a process has in hand at a time send ~10 a second.
      receiver.setDelay(2_000);
      const first = await serve('webhooks-a-first', ENV);
      const account = await signUpWithKey(first.url, 'durable-a');
      const subIds = await subscribe(first, account, receiver, SUBS);
      const meetingIds = await createMeetings(first, account.cookie, MEETINGS);
      expect(meetingIds).toHaveLength(MEETINGS);
      const expected = MEETINGS * SUBS.length;
      // Some requests are held by the receiver (in flight) when the process dies.
      await waitUntil('requests in flight', () => receiver.holding() >= 5, 30_000);
      const inFlight = receiver.holding();
      await first.kill();
      const killedAt = Date.now();
      const statuses = await deliveryStatuses([...subIds.values()]);
      const pendingAtKill = statuses.pending ?? 0;
      const answeredBeforeKill = receiver.answered.length;
      expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBe(expected);
      expect(pendingAtKill, 'most deliveries are still pending at the kill').toBeGreaterThanOrEqual(500);

      receiver.setDelay(0);
      const second = await serve('webhooks-a-second', ENV);
      const restartedAt = Date.now();
      const { drainedAt, distinct } = await drain(receiver, { meetingIds, subs: SUBS, subIds, expected });
      // One event per meeting: the webhook-id is the same for every subscription.
      const idsByMeeting = new Map<string, Set<string>>();
      for (const a of receiver.answered) {
        if (!idsByMeeting.has(a.meetingId)) idsByMeeting.set(a.meetingId, new Set());
        idsByMeeting.get(a.meetingId)!.add(a.webhookId);
      }
      expect([...idsByMeeting.values()].every((s) => s.size === 1)).toBe(true);
      log(
        `(a) ${expected} deliveries; at the kill: ${pendingAtKill} pending, ${inFlight} held in flight, ` +
          `${answeredBeforeKill} answered; restart took ${((restartedAt - killedAt) / 1000).toFixed(1)} s; ` +
          `drained ${((drainedAt - restartedAt) / 1000).toFixed(1)} s after the restart ` +
          `(${((drainedAt - killedAt) / 1000).toFixed(1)} s after the kill); ` +
          `duplicates received: ${receiver.answered.length - distinct}; requests in all: ${receiver.arrived()}`,
      );
      await second.stop();
    } finally {
      await receiver.close();
    }
  }, 240_000);

  it('(b) two processes share one queue: every delivery arrives, each sent by one of them, both sent some', async () => {
    const SUBS = ['b1', 'b2'];
    const MEETINGS = 300; // × 2 subscriptions = 600 deliveries
    const ENV = { KEYHOLE_LOG_LEVEL: 'debug', KEYHOLE_WEBHOOK_WORKERS: '4' };
    const receiver = await startHoldingReceiver();
    try {
      // 200 ms per answer: one process's 20 jobs in hand cannot keep up, the other's poll finds work.
      receiver.setDelay(200);
      const [a, b] = await Promise.all([serve('webhooks-b-A', ENV), serve('webhooks-b-B', ENV)]);
      const account = await signUpWithKey(a!.url, 'durable-b');
      const subIds = await subscribe(a!, account, receiver, SUBS);
      const meetingIds = await createMeetings(a!, account.cookie, MEETINGS);
      const expected = MEETINGS * SUBS.length;
      const started = Date.now();
      const { distinct } = await drain(receiver, { meetingIds, subs: SUBS, subIds, expected });
      // Who sent what: each process logs every attempt's outcome at debug level.
      const succeededBy = (p: ApiProcess) =>
        p.output
          .join('')
          .split('\n')
          .filter((l) => l.includes('webhook delivery attempt') && l.includes('"outcome":"succeeded"'))
          .length;
      const byA = succeededBy(a!);
      const byB = succeededBy(b!);
      log(
        `(b) ${expected} deliveries: process A sent ${byA}, process B sent ${byB}; ` +
          `duplicates received: ${receiver.answered.length - distinct}; ` +
          `drained ${((Date.now() - started) / 1000).toFixed(1)} s after the last create`,
      );
      expect(byA, 'process A delivered a share').toBeGreaterThan(0);
      expect(byB, 'process B delivered a share').toBeGreaterThan(0);
      // No fault: every delivery succeeded exactly once, in one process or the other.
      expect(byA + byB).toBe(expected);
      await Promise.all([a!.stop(), b!.stop()]);
    } finally {
      await receiver.close();
    }
  }, 240_000);
});
