/**
 * `pnpm --filter @keyhole/bench profile [--target <name>] [--seconds N] [--meetings N]`: one target
 * alone under the bench's load, in a `keyhole serve` started with `node --cpu-prof`, and where its
 * CPU time goes (self time by file and by function). What to change comes from here, not from guesses.
 *
 * Targets: list-org (default), list-user, get, rest-list, rest-get, floor. Dataset: keyhole_bench_<N>
 * (default 20,000 meetings, the quick bench's large one; seeded with `keyhole seed` when missing).
 * Writes the profile under bench/results/profiles/ and prints the summary.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { queryUrl } from '@keyhole/testing/http';
import { summarize } from './lib/cpu-profile';
import { ensureDataset } from './lib/dataset';
import { alternate, type Target } from './lib/http';
import { benchEnv, createBenchKeys, openApp } from './lib/keyhole-app';
import { startFloor, startKeyhole } from './lib/processes';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)\n');
  process.exit(2);
}
const secret = process.env.KEYHOLE_SECRET ?? 'bench-secret-0123456789-0123456789-0123456789';
const target = opt('target', 'list-org');
const seconds = Number(opt('seconds', '10'));
const meetings = Number(opt('meetings', '20000'));
const repo = fileURLToPath(new URL('../', import.meta.url));
const dir = fileURLToPath(new URL(`./results/profiles/${target}-${Date.now()}/`, import.meta.url));
mkdirSync(dir, { recursive: true });

const d = await ensureDataset({ baseUrl: databaseUrl, secret, meetings, users: 1000, fresh: false });
const app = await openApp(d.url, secret);
const keys = await createBenchKeys(app, d);
await app.close();

process.env.BENCH_CPU_PROF = dir;
// `--target floor` profiles the floor instead, the same way, to compare shares side by side.
const keyhole =
  target === 'floor'
    ? await startFloor(d.url, d.orgId, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
    : await startKeyhole(benchEnv(d.url, secret));
const org = { authorization: `Bearer ${keys.orgLimited}` };
const targets: Record<string, Omit<Target, 'pid'>> = {
  floor: { name: target, url: `${keyhole.url}/` },
  'list-org': { name: target, url: queryUrl(keyhole.url, 'meetings.list', { limit: 25 }), headers: org },
  'list-user': {
    name: target,
    url: queryUrl(keyhole.url, 'meetings.list', { limit: 25 }),
    headers: { authorization: `Bearer ${keys.userLimitedHeavy}` },
  },
  get: { name: target, url: queryUrl(keyhole.url, 'meetings.get', { id: d.meetingId }), headers: org },
  'rest-list': { name: target, url: `${keyhole.url}/v1/meetings?limit=25`, headers: org },
  'rest-get': { name: target, url: `${keyhole.url}/v1/meetings/${d.meetingId}`, headers: org },
};
const chosen = targets[target];
if (!chosen) {
  process.stderr.write(`--target takes one of: ${Object.keys(targets).join(', ')}\n`);
  await keyhole.stop();
  process.exit(2);
}
// Read and write system calls and bytes of the process (Linux /proc/<pid>/io), per request.
const io = () =>
  Object.fromEntries(
    readFileSync(`/proc/${keyhole.child.pid}/io`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(': ') as [string, string])
      .map(([k, v]) => [k, Number(v)]),
  ) as Record<'syscr' | 'syscw' | 'rchar' | 'wchar', number>;
try {
  await alternate([{ ...chosen, pid: keyhole.child.pid! }], 1, 2, 20);
  const before = io();
  const figures = await alternate([{ ...chosen, pid: keyhole.child.pid! }], 1, seconds, 20);
  const after = io();
  const f = figures[target]!;
  const requests = f.reqPerSec * seconds;
  const per = (k: keyof typeof before) => Math.round((10 * (after[k] - before[k])) / requests) / 10;
  process.stdout.write(
    `${target}: ${f.reqPerSec} req/s, p50 ${f.p50Ms} ms, ${f.cpuUsPerReq} µs CPU/req; per request: ` +
      `${per('syscr')} reads (${per('rchar')} B), ${per('syscw')} writes (${per('wchar')} B)\n`,
  );
} finally {
  await keyhole.stop();
}
// The main thread's profile is the first one the process writes.
const main = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()[0];
if (!main) throw new Error(`no profile in ${dir}`);
const s = summarize(`${dir}${main}`, repo);
process.stdout.write(`\nProfile ${dir}${main} (${s.totalMs} ms, warm-up included)\n\nSelf time by file:\n`);
for (const x of s.byFile) process.stdout.write(`${String(x.percent).padStart(6)} %  ${x.name}\n`);
process.stdout.write('\nSelf time by function:\n');
for (const x of s.byFunction) process.stdout.write(`${String(x.percent).padStart(6)} %  ${x.name}\n`);
process.exit(0);
