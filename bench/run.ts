/**
 * `pnpm bench [--quick] [--fresh] [--no-redis] [--no-10m] [--rounds N]`: Keyhole against its floor on PostgreSQL.
 *
 * 1. data: `keyhole seed` (timed) into keyhole_bench_<N> databases (reused unless --fresh);
 * 2. micro: key verification in process, hit path ns/op and cold path p50/p99;
 * 3. HTTP: autocannon, alternating rounds — the floor (bench/floor.ts), Keyhole meetings.list with an
 *    org_limited key and with the heavy user's user_limited key, meetings.get, and the REST
 *    GET /v1/meetings and GET /v1/meetings/{id}; in-memory rate limiter,
 *    then once more with Redis, then the stock tRPC adapter for comparison;
 * 4. scale: meetings.list p50/p99 at the small and the large size for both scopes, with EXPLAIN ANALYZE;
 * 5. memory: the API process's RSS under load;
 * 6. webhooks (bench/lib/webhooks.ts): 10 orgs × 10 subscriptions on the small dataset, 50 meeting
 *    updates/s: enqueue → delivered latency p50/p99, deliveries/s, and meetings.list with delivery
 *    running against without it in the same run (goals: p50 ≤ 1 s, ratio ≥ 0.95).
 * `--only webhooks` runs step 6 alone (on the small dataset); `--only seed` step 1 alone.
 * Writes bench/results/<mode>-<date>.json and .md (`<mode>-webhooks-<date>` with `--only webhooks`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { queryUrl } from '@keyhole/testing/http';
import { ensureDataset } from './lib/dataset';
import { alternate, type Target } from './lib/http';
import { benchEnv, createBenchKeys, openApp } from './lib/keyhole-app';
import { keyVerification } from './lib/micro';
import { round, sampleRss, startFloor, startKeyhole } from './lib/processes';
import { scaleFigures } from './lib/scale';
import { webhookFigures } from './lib/webhooks';

const args = new Set(process.argv.slice(2));
if (args.has('--rounds') && !(Number(process.argv[process.argv.indexOf('--rounds') + 1]) >= 1)) {
  process.stderr.write('--rounds needs a number of rounds, e.g. --rounds 5\n');
  process.exit(2);
}
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1] : undefined;
if (onlyArg > 0 && only !== 'webhooks' && only !== 'seed') {
  process.stderr.write('--only takes: webhooks, seed\n');
  process.exit(2);
}
const quick = args.has('--quick');
const fresh = args.has('--fresh');
const withRedis = !args.has('--no-redis');
// `--rounds N` overrides the plan's alternating rounds (the ratio's spread needs ≥ 5).
const roundsArg = process.argv.indexOf('--rounds');
const roundsOverride = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : undefined;
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const secret = process.env.KEYHOLE_SECRET ?? 'bench-secret-0123456789-0123456789-0123456789';
if (!databaseUrl) {
  process.stderr.write(
    'pnpm bench runs on PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).\n',
  );
  process.exit(2);
}

const plan = quick
  ? {
      small: 2_000,
      large: 20_000,
      largest: null,
      users: 1_000,
      rounds: 1,
      // Whole seconds: autocannon rounds a duration up.
      seconds: 2,
      warmupRequests: 300,
      connections: 20,
      microIterations: 5_000,
      scaleCalls: 100,
      // A lighter load than the full run's, so the backlog drains within the quick run's minute.
      webhooks: { rate: 20, seconds: 3, rounds: 1, listSeconds: 2, connections: 20 },
    }
  : {
      small: 10_000,
      large: 1_000_000,
      // Scale only (latency and plans, not the HTTP rounds): left out with --no-10m.
      largest: args.has('--no-10m') ? null : 10_000_000,
      users: 10_000,
      rounds: 5,
      seconds: 6,
      warmupRequests: 3000,
      connections: 20,
      microIterations: 50_000,
      scaleCalls: 300,
      webhooks: { rate: 50, seconds: 20, rounds: 3, listSeconds: 6, connections: 20 },
    };

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
const mode = `${quick ? 'quick' : 'full'}${only ? `-${only}` : ''}`;
const log = (s: string) => process.stderr.write(`${s}\n`);
const started = Date.now();

const small = await ensureDataset({
  baseUrl: databaseUrl,
  secret,
  meetings: plan.small,
  users: plan.users,
  fresh,
});
// `--only webhooks` needs the small dataset alone.
const large =
  only === 'webhooks'
    ? small
    : await ensureDataset({
        baseUrl: databaseUrl,
        secret,
        meetings: plan.large,
        users: plan.users,
        fresh,
      });

const largest =
  only === 'webhooks' || plan.largest === null
    ? null
    : await ensureDataset({
        baseUrl: databaseUrl,
        secret,
        meetings: plan.largest,
        users: plan.users,
        fresh,
      });
const datasets = only === 'webhooks' ? [small] : [small, large, ...(largest ? [largest] : [])];

// `--only seed`: the datasets made (or found) and their seed times recorded, nothing measured, so a
// long seed (10M) can run ahead of a quiet machine's measurements, which then reuse it.
if (only === 'seed') {
  const seeds = datasets.map((d) => ({
    name: d.name,
    meetings: d.meetings,
    seconds: d.seedSeconds,
    output: d.seedOutput,
    diskMiB: d.diskMiB,
  }));
  const file = `${resultsDir}${mode}-${stamp}.json`;
  writeFileSync(file, `${JSON.stringify({ mode, date: new Date().toISOString(), seeds }, null, 2)}\n`);
  for (const x of seeds)
    log(`${x.name}: ${x.seconds === null ? 'reused' : `seeded in ${x.seconds} s`}, ${x.diskMiB} MiB on disk`);
  log(`Wrote ${file}`);
  process.exit(0);
}

// Micro and scale run in this process against each dataset.
const scale: Record<string, unknown> = {};
let micro: Awaited<ReturnType<typeof keyVerification>> | null = null;
for (const d of only ? [] : datasets) {
  const app = await openApp(d.url, secret);
  try {
    const keys = await createBenchKeys(app, d);
    if (d === large) {
      log('micro: key verification');
      micro = await keyVerification(app, keys.orgLimited, plan.microIterations);
    }
    log(`scale: ${d.name}`);
    scale[d.name] = {
      meetings: d.meetings,
      org_limited: await scaleFigures(
        app,
        d,
        keys.orgLimited,
        'org_limited',
        plan.scaleCalls,
        `${resultsDir}explain-${mode}`,
      ),
      user_limited_heavy: await scaleFigures(
        app,
        d,
        keys.userLimitedHeavy,
        'user_limited',
        plan.scaleCalls,
        `${resultsDir}explain-${mode}`,
      ),
    };
  } finally {
    await app.close();
  }
}

// HTTP on the large dataset: fresh keys, real server processes.
const app = await openApp(large.url, secret);
const keys = await createBenchKeys(app, large);
await app.close();

async function httpRun(label: string, env: Record<string, string>, opts: { rest?: boolean } = {}) {
  log(`http: ${label}`);
  const floor = await startFloor(large.url, large.orgId);
  log('  floor up');
  const keyhole = await startKeyhole(env);
  log('  keyhole up');
  const stopRss = sampleRss(keyhole.child.pid!);
  const targets: Target[] = [
    { name: 'floor', url: `${floor.url}/`, pid: floor.child.pid! },
    {
      name: 'meetings.list org_limited',
      url: queryUrl(keyhole.url, 'meetings.list', { limit: 25 }),
      headers: { authorization: `Bearer ${keys.orgLimited}` },
      pid: keyhole.child.pid!,
    },
    {
      name: 'meetings.list user_limited (heavy user)',
      url: queryUrl(keyhole.url, 'meetings.list', { limit: 25 }),
      headers: { authorization: `Bearer ${keys.userLimitedHeavy}` },
      pid: keyhole.child.pid!,
    },
    {
      name: 'meetings.get org_limited',
      url: queryUrl(keyhole.url, 'meetings.get', { id: large.meetingId }),
      headers: { authorization: `Bearer ${keys.orgLimited}` },
      pid: keyhole.child.pid!,
    },
    // The REST face (SPEC §10): the same procedures behind /v1, the floor's page as plain JSON.
    {
      name: 'REST GET /v1/meetings org_limited',
      url: `${keyhole.url}/v1/meetings?limit=25`,
      headers: { authorization: `Bearer ${keys.orgLimited}` },
      pid: keyhole.child.pid!,
    },
    {
      name: 'REST GET /v1/meetings/{id} org_limited',
      url: `${keyhole.url}/v1/meetings/${large.meetingId}`,
      headers: { authorization: `Bearer ${keys.orgLimited}` },
      pid: keyhole.child.pid!,
    },
  ];
  try {
    const figures = await alternate(
      opts.rest === false ? targets.filter((t) => !t.name.startsWith('REST')) : targets,
      roundsOverride ?? plan.rounds,
      plan.seconds,
      plan.connections,
      plan.warmupRequests,
    );
    const floorRps = figures.floor!.reqPerSec;
    const floorRounds = figures.floor!.rounds;
    const floorCpu = figures.floor!.cpuUsPerReq;
    // The ratio per round (each target against the floor of its own round), then mean ± half the range.
    const withRatio = Object.fromEntries(
      Object.entries(figures).map(([k, v]) => {
        const ratios = v.rounds.map((rps, i) => rps / (floorRounds[i] ?? floorRps));
        const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
        const spread = (Math.max(...ratios) - Math.min(...ratios)) / 2;
        return [
          k,
          {
            ...v,
            ratioToFloor: round(v.reqPerSec / floorRps, 2),
            ratioMean: round(mean, 3),
            ratioSpread: round(spread, 3),
            // The ratio hides CPU on a shared 2-core host: what a request costs the process answering it.
            cpuToFloor: floorCpu > 0 ? round(v.cpuUsPerReq / floorCpu, 2) : null,
          },
        ];
      }),
    );
    const rss = stopRss();
    await keyhole.stop();
    // Every Keyhole request of the run verified its key; the target is ≥ 99 % from memory.
    const cache = keyhole.keyCache();
    const keyCache = cache && {
      ...cache,
      hitRate: cache.hitRate === null ? null : round(cache.hitRate * 100, 3),
    };
    return { figures: withRatio, rss, keyCache };
  } finally {
    await keyhole.stop();
    log('  keyhole stopped');
    await floor.stop();
    log('  floor stopped');
  }
}

const http: Record<string, unknown> = {};
if (!only) {
  http.memoryLimiter = await httpRun('in-memory rate limiter', benchEnv(large.url, secret));
  if (withRedis)
    http.redisLimiter = await httpRun('Redis rate limiter', benchEnv(large.url, secret, redisUrl));
  // The REST face does not go through a tRPC adapter: its rows would repeat the first run's.
  http.stockAdapter = await httpRun(
    'stock tRPC adapter (for comparison)',
    { ...benchEnv(large.url, secret), KEYHOLE_TRPC_ADAPTER: 'stock' },
    { rest: false },
  );
}

// Webhook delivery on the small dataset (10 orgs): its own server process and receiver.
const webhooks = await webhookFigures(small, secret, plan.webhooks);

const result = {
  mode,
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  },
  plan,
  seed: Object.fromEntries(
    datasets.map((d) => [
      d.name,
      { meetings: d.meetings, seconds: d.seedSeconds, output: d.seedOutput, diskMiB: d.diskMiB },
    ]),
  ),
  micro,
  http,
  scale,
  webhooks,
  seconds: round((Date.now() - started) / 1000, 1),
};

function markdown(): string {
  const lines: string[] = [`# Keyhole bench (${mode}, ${result.date})`, ''];
  lines.push(
    `Machine: ${result.machine.cpus} × ${result.machine.model}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}`,
    '',
  );
  lines.push('## Seed', '', '| database | meetings | seed seconds | disk MiB |', '|---|---|---|---|');
  for (const [name, s] of Object.entries(result.seed))
    lines.push(`| ${name} | ${s.meetings} | ${s.seconds ?? 'reused'} | ${s.diskMiB} |`);
  if (micro) {
    lines.push('', '## Key verification (in process)', '', '| path | figure |', '|---|---|');
    lines.push(
      `| hit (parse + checksum + HMAC + cache) | ${micro.hitPathNsPerOp} ns/op (${micro.hitPathUsPerOp} µs) |`,
    );
    lines.push(`| cold (database look-up) | p50 ${micro.coldPathP50Ms} ms, p99 ${micro.coldPathP99Ms} ms |`);
  }
  for (const [label, run] of Object.entries(http) as [
    string,
    {
      figures: Record<string, Record<string, number>>;
      rss: Record<string, number>;
      keyCache: { hits: number; misses: number; hitRate: number | null } | null;
    },
  ][]) {
    lines.push(
      '',
      `## HTTP — ${label} (${plan.connections} connections, ${roundsOverride ?? plan.rounds} × ${plan.seconds} s alternating)`,
      '',
    );
    lines.push(
      '| target | req/s | p50 ms | p99 ms | ratio to floor | ratio per round, mean ± spread | CPU µs/req | CPU / floor | non-2xx |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const [name, f] of Object.entries(run.figures)) {
      lines.push(
        `| ${name} | ${f.reqPerSec} | ${f.p50Ms} | ${f.p99Ms} | ${f.ratioToFloor} | ${f.ratioMean} ± ${f.ratioSpread} | ${f.cpuUsPerReq} | ${f.cpuToFloor ?? '–'} | ${f.non2xx} |`,
      );
    }
    lines.push('', `API process RSS under load: max ${run.rss.maxMiB} MiB, mean ${run.rss.meanMiB} MiB`);
    lines.push(
      '',
      run.keyCache
        ? `Key cache: ${run.keyCache.hitRate ?? '–'} % hits (${run.keyCache.hits} hits, ${run.keyCache.misses} database reads)`
        : 'Key cache: no figures (the server sent none at shutdown)',
    );
  }
  if (Object.keys(scale).length > 0) {
    lines.push(
      '',
      '## meetings.list latency by size (in process, limit 25)',
      '',
      '| database | scope | p50 ms | p99 ms | p50 / smallest p50 | statement (EXPLAIN ANALYZE) ms |',
      '|---|---|---|---|---|---|',
    );
  }
  type ScaleRow = Record<string, { p50Ms: number; p99Ms: number; explain: { executionMs: number } }>;
  const scaleRows = Object.entries(scale) as [string, ScaleRow][];
  for (const [name, s] of scaleRows) {
    for (const scope of ['org_limited', 'user_limited_heavy']) {
      const f = s[scope]!;
      // Flat to 10M: each size's p50 against the smallest dataset's (goal ≤ 1.5 at 10M).
      const smallest = scaleRows[0]![1][scope]!.p50Ms;
      lines.push(
        `| ${name} | ${scope} | ${f.p50Ms} | ${f.p99Ms} | ${round(f.p50Ms / smallest, 2)} | ${f.explain.executionMs} |`,
      );
    }
  }
  const w = webhooks;
  const l = w.latency;
  lines.push(
    '',
    `## Webhooks (${small.name}: ${w.orgs} orgs × ${w.subscriptions / w.orgs} subscriptions, ${w.rate} meeting updates/s, one server process)`,
    '',
    '| figure | value | goal |',
    '|---|---|---|',
    `| updates made (answered 200) | ${l.updates} in ${w.seconds} s (${l.updatesPerSec}/s; ${l.updatesFailed} failed) | ${w.rate}/s |`,
    `| deliveries (distinct webhook-id × subscription) | ${l.delivered} of ${l.expectedDeliveries}${l.complete ? '' : ' (NOT all within 120 s)'}, ${l.duplicates} duplicates | all |`,
    `| enqueue → delivered latency p50 | ${l.p50Ms} ms | ≤ 1000 ms |`,
    `| … p90 / p99 / max | ${l.p90Ms} / ${l.p99Ms} / ${l.maxMs} ms | |`,
    `| deliveries per second (first event → last arrival) | ${l.deliveriesPerSec} | |`,
    `| drained after the last update | ${l.drainAfterLastUpdateSeconds} s | |`,
    `| meetings.list req/s without → with delivery (same driver) | ${w.list.withoutReqPerSec} → ${w.list.withReqPerSec} | |`,
    `| meetings.list ratio with/without delivery (mean ± spread of ${w.list.rounds.length} rounds) | ${w.list.ratio} ± ${w.list.ratioSpread} | ≥ 0.95 |`,
  );
  return `${lines.join('\n')}\n`;
}

const base = `${resultsDir}${mode}-${stamp}`;
writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(`${base}.md`, markdown());
process.stdout.write(markdown());
log(`\nWrote ${base}.json and .md in ${result.seconds} s`);
process.exit(0);
