import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESSION_COOKIE } from '@keyhole/api/internal/auth/session-token';
import { inProcessActor } from '@keyhole/api/internal/services/actor';
import { createKey } from '@keyhole/api/internal/services/keys/create-key';
import { createSession } from '@keyhole/api/internal/services/sessions/create-session';
import { httpMutation, queryUrl } from '@keyhole/testing/http';
import postgres from 'postgres';
import type { Dataset } from './dataset';
import { alternate } from './http';
import { benchEnv, openApp } from './keyhole-app';
import { round, startKeyhole } from './processes';

/**
 * Webhook delivery (SPEC §11, issue 17) on one `keyhole serve` process: 10 orgs × 10 subscriptions
 * (one org_limited key per org) to `meeting.updated`, all to a receiver on 127.0.0.1 in this process
 * that answers 200 at once and timestamps each arrival. A driver makes `rate` meeting updates per
 * second over HTTP (open loop, spread over the orgs, each host updating its own meetings): each is one
 * event for the 10 subscriptions of its org.
 *
 * - latency: receiver arrival − the payload's `timestamp` (the event's time, set in the meeting's
 *   transaction just before it commits), p50/p99 over every delivery of a `seconds`-long run, and the
 *   deliveries per second from the first event to the last arrival;
 * - `meetings.list` (org_limited, limit 25, autocannon) with the same driver running, alternating
 *   rounds without delivery (the subscriptions disabled: updates make no events) and with it; the ratio
 *   with/without (goal ≥ 0.95). The queue is drained between rounds so no round inherits a backlog.
 */

export interface WebhookPlan {
  /** Meeting updates per second. */
  rate: number;
  /** Length of the latency run. */
  seconds: number;
  /** Alternating list rounds (each: without, then with delivery) of `listSeconds`. */
  rounds: number;
  listSeconds: number;
  connections: number;
}

const ORGS = 10;
const SUBS_PER_ORG = 10;
const MEETINGS_PER_ORG = 5;
const KEY_NAME = 'bench webhooks';
const log = (s: string) => process.stderr.write(`${s}\n`);

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Arrival {
  org: number;
  sub: number;
  webhookId: string;
  eventMs: number;
  at: number;
}

async function startReceiver() {
  const arrivals: Arrival[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
      arrivals.push({
        org: Number(q.get('o')),
        sub: Number(q.get('s')),
        webhookId: String(req.headers['webhook-id']),
        eventMs: Date.parse(body.timestamp),
        at,
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (org: number, sub: number) => `http://127.0.0.1:${port}/hook?o=${org}&s=${sub}`,
    arrivals,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

interface OrgSetup {
  orgId: string;
  hostId: string;
  meetingIds: string[];
  cookie: string;
  keyString: string;
  keyId: string;
}

/** Earlier runs' keys, subscriptions, events and jobs out of the way (the bench's own database). */
async function cleanUp(sql: postgres.Sql) {
  await sql`delete from webhook_subscriptions where key_id in (select id from api_keys where name = ${KEY_NAME})`;
  await sql`update api_keys set revoked_at = now(), secret_hash = null, secret_ciphertext = null,
    previous_secret_hash = null, previous_secret_valid_until = null
    where name = ${KEY_NAME} and revoked_at is null`;
  await sql`delete from webhook_events`;
  await sql`delete from pgboss.job where name = 'webhook-delivery'`.catch(() => {});
}

async function setUp(d: Dataset, secret: string, sql: postgres.Sql): Promise<OrgSetup[]> {
  // Per org: its admin (to create the key) and an active host with non-private meetings to update.
  const hosts = await sql<{ orgId: string; hostId: string; adminId: string }[]>`
    select distinct on (m.org_id) m.org_id as "orgId", m.host_id as "hostId",
      (select a.id from users a where a.org_id = m.org_id and a.role = 'admin' and a.status = 'active'
        order by a.email limit 1) as "adminId"
    from meetings m join users u on u.id = m.host_id
    where u.status = 'active' and not m.is_private
    group by m.org_id, m.host_id having count(*) >= ${MEETINGS_PER_ORG}
    order by m.org_id, count(*) desc
    limit ${ORGS}`;
  if (hosts.length < ORGS)
    throw new Error(`webhooks bench: ${d.name} has ${hosts.length} orgs, needs ${ORGS}`);
  const app = await openApp(d.url, secret);
  try {
    const out: OrgSetup[] = [];
    for (const h of hosts) {
      const meetings = await sql<{ id: string }[]>`
        select id from meetings where host_id = ${h.hostId} and not is_private
        order by start_at desc limit ${MEETINGS_PER_ORG}`;
      const admin = inProcessActor(h.orgId, { id: h.adminId, email: null });
      const { key, secret: keyString } = await createKey(app.deps, admin, {
        name: KEY_NAME,
        scope: 'org_limited',
      });
      const now = new Date();
      const token = await createSession(app.deps.db, h.hostId, now, null, now);
      out.push({
        orgId: h.orgId,
        hostId: h.hostId,
        meetingIds: meetings.map((m) => m.id),
        cookie: `${SESSION_COOKIE}=${token}`,
        keyString,
        keyId: key.id,
      });
    }
    return out;
  } finally {
    await app.close();
  }
}

/** `rate` updates per second for `seconds` (open loop); returns once every update has been answered. */
async function drive(url: string, orgs: OrgSetup[], rate: number, seconds: number, tag: string) {
  const started = Date.now();
  const stop = driveUntilStopped(url, orgs, rate, tag);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const r = await stop();
  return { ...r, seconds: (Date.now() - started) / 1000 };
}

/** A driver that runs until stopped (for the list rounds). */
function driveUntilStopped(url: string, orgs: OrgSetup[], rate: number, tag: string) {
  let stopped = false;
  let ok = 0;
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const started = Date.now();
  let fired = 0;
  const loop = (async () => {
    while (!stopped) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate) + 1;
      for (; fired < due; fired++) {
        const o = orgs[fired % orgs.length]!;
        const id = o.meetingIds[Math.floor(fired / orgs.length) % o.meetingIds.length]!;
        inFlight.push(
          httpMutation(
            url,
            'meetings.update',
            { id, subject: `Bench ${tag} ${fired}` },
            { cookie: o.cookie },
          ).then(
            (r) => {
              if (r.status === 200) ok++;
              else if (++failed === 1) log(`  meetings.update answered ${r.status}: ${r.text.slice(0, 200)}`);
            },
            () => {
              failed++;
            },
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    await Promise.all(inFlight);
    return { ok, failed, achievedRate: round(fired / ((Date.now() - started) / 1000), 1) };
  };
}

async function drained(
  sql: postgres.Sql,
  receiver: { arrivals: Arrival[] },
  expected: number,
  timeoutMs: number,
) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const distinct = new Set(receiver.arrivals.map((a) => `${a.webhookId} ${a.org}.${a.sub}`)).size;
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from webhook_deliveries where status = 'pending'`;
    if (distinct >= expected && row!.n === 0) return true;
    if (Date.now() > until) {
      log(`  not drained in ${timeoutMs} ms: ${distinct}/${expected} delivered, ${row!.n} pending`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function webhookFigures(d: Dataset, secret: string, plan: WebhookPlan) {
  const sql = postgres(d.url, { max: 2, onnotice: () => {} });
  const receiver = await startReceiver();
  let keyhole: Awaited<ReturnType<typeof startKeyhole>> | null = null;
  try {
    await cleanUp(sql);
    const orgs = await setUp(d, secret, sql);
    keyhole = await startKeyhole({
      ...benchEnv(d.url, secret),
      KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
      // The receiver is on loopback: nothing leaves the machine.
      KEYHOLE_WEBHOOK_ALLOW_HTTP: 'true',
      KEYHOLE_WEBHOOK_ALLOW_PRIVATE: 'true',
      KEYHOLE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    const url = keyhole.url;
    for (const [i, o] of orgs.entries()) {
      for (let s = 0; s < SUBS_PER_ORG; s++) {
        const r = await httpMutation(
          url,
          'webhooks.subscribe',
          { url: receiver.urlFor(i, s), events: ['meeting.updated'] },
          { authorization: `Bearer ${o.keyString}` },
        );
        if (r.status !== 200) throw new Error(`webhooks.subscribe: ${r.status} ${r.text}`);
      }
    }
    const keyIds = orgs.map((o) => o.keyId);
    const setEnabled = (enabled: boolean) =>
      sql`update webhook_subscriptions set enabled = ${enabled} where key_id in ${sql(keyIds)}`;

    // Warm-up (connections, JIT), then the latency run.
    log(`webhooks: warm-up, then ${plan.rate} updates/s for ${plan.seconds} s`);
    const warm = await drive(url, orgs, plan.rate, 2, 'warm');
    await drained(sql, receiver, warm.ok * SUBS_PER_ORG, 60_000);
    receiver.arrivals.length = 0;
    const run = await drive(url, orgs, plan.rate, plan.seconds, 'latency');
    const expected = run.ok * SUBS_PER_ORG;
    const drainStarted = Date.now();
    const complete = await drained(sql, receiver, expected, 120_000);
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    const latencies = receiver.arrivals.map((a) => a.at - a.eventMs).sort((a, b) => a - b);
    const firstEvent = Math.min(...receiver.arrivals.map((a) => a.eventMs));
    const lastArrival = Math.max(...receiver.arrivals.map((a) => a.at));
    const distinct = new Set(receiver.arrivals.map((a) => `${a.webhookId} ${a.org}.${a.sub}`)).size;
    const latency = {
      updates: run.ok,
      updatesFailed: run.failed,
      updatesPerSec: run.achievedRate,
      expectedDeliveries: expected,
      delivered: distinct,
      duplicates: receiver.arrivals.length - distinct,
      complete,
      p50Ms: round(percentile(latencies, 50), 0),
      p90Ms: round(percentile(latencies, 90), 0),
      p99Ms: round(percentile(latencies, 99), 0),
      maxMs: round(latencies.at(-1) ?? Number.NaN, 0),
      deliveriesPerSec: round(distinct / ((lastArrival - firstEvent) / 1000), 1),
      drainAfterLastUpdateSeconds: round(drainSeconds, 1),
    };
    log(
      `  ${latency.delivered}/${expected} delivered, p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, ` +
        `${latency.deliveriesPerSec} deliveries/s, drained ${latency.drainAfterLastUpdateSeconds} s after the last update`,
    );

    // meetings.list with the driver running: without delivery, then with it, alternating.
    const list = { name: 'meetings.list org_limited', url: queryUrl(url, 'meetings.list', { limit: 25 }) };
    const headers = { authorization: `Bearer ${orgs[0]!.keyString}` };
    const rounds: { without: number; with: number; ratio: number; deliveredDuringRound: number }[] = [];
    for (let r = 0; r < plan.rounds; r++) {
      const rps: Record<'without' | 'with', number> = { without: 0, with: 0 };
      let deliveredDuringRound = 0;
      for (const mode of ['without', 'with'] as const) {
        await setEnabled(mode === 'with');
        receiver.arrivals.length = 0;
        const stop = driveUntilStopped(url, orgs, plan.rate, `${mode}-${r}`);
        await new Promise((res) => setTimeout(res, 1000));
        const figures = await alternate(
          [{ ...list, name: `${list.name} ${mode} delivery`, headers, pid: keyhole.child.pid! }],
          1,
          plan.listSeconds,
          plan.connections,
        );
        rps[mode] = Object.values(figures)[0]!.reqPerSec;
        const driven = await stop();
        if (mode === 'with') {
          deliveredDuringRound = receiver.arrivals.length;
          await drained(sql, receiver, driven.ok * SUBS_PER_ORG, 120_000);
        }
      }
      rounds.push({ ...rps, ratio: round(rps.with / rps.without, 3), deliveredDuringRound });
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ratios = rounds.map((r) => r.ratio);
    const listFigures = {
      withoutReqPerSec: round(mean(rounds.map((r) => r.without)), 0),
      withReqPerSec: round(mean(rounds.map((r) => r.with)), 0),
      ratio: round(mean(rounds.map((r) => r.with)) / mean(rounds.map((r) => r.without)), 3),
      ratioSpread: round((Math.max(...ratios) - Math.min(...ratios)) / 2, 3),
      rounds,
    };
    log(`  meetings.list with/without delivery: ${listFigures.ratio}`);
    return {
      orgs: ORGS,
      subscriptions: ORGS * SUBS_PER_ORG,
      rate: plan.rate,
      seconds: plan.seconds,
      latency,
      list: listFigures,
      goals: {
        p50AtMost1s: latency.p50Ms <= 1000,
        listRatioAtLeast095: listFigures.ratio >= 0.95,
      },
    };
  } finally {
    await keyhole?.stop();
    await receiver.close();
    await cleanUp(sql).catch(() => {});
    await sql.end({ timeout: 1 });
  }
}
