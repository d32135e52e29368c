import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { childEnv, freePort, startServe } from '@keyhole/testing/serve-process';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface Running {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** What a Keyhole server reports over IPC as it shuts down (apps/server/src/cli/main.ts `reportKeyCache`). */
interface KeyCacheFigures {
  hits: number;
  misses: number;
  hitRate: number | null;
}

export interface RunningKeyhole extends Running {
  /** Its key cache's figures, once it has stopped (null if it sent none). */
  keyCache(): KeyCacheFigures | null;
}

async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`process exited early:\n${output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${url}:\n${output()}`);
}

/** SIGTERM, then SIGKILL if it has not exited 5 s later. */
function stopWithin5s(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

function start(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined>,
  healthUrl: string,
  url: string,
  ipc = false,
) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: env as NodeJS.ProcessEnv,
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out = (out + d).slice(-4000);
  });
  child.stderr?.on('data', (d) => {
    out = (out + d).slice(-4000);
  });
  return waitFor(healthUrl, child, () => out).then(
    (): Running => ({
      child,
      url,
      stop: () => stopWithin5s(child),
    }),
  );
}

let built = false;

/** The server as production runs it (`pnpm start`): the built bundle, rebuilt once per bench run. */
function buildServerOnce(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [`${REPO}apps/server/scripts/build-server.mjs`], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('building the server (apps/server/scripts/build-server.mjs) failed');
  built = true;
}

/** The real Keyhole server (`keyhole serve`) in its own process, with an IPC channel for its figures. */
export async function startKeyhole(env: Record<string, string | undefined>): Promise<RunningKeyhole> {
  buildServerOnce();
  const port = await freePort();
  let keyCache: KeyCacheFigures | null = null;
  const served = await startServe(
    childEnv(
      { NODE_ENV: 'production', ...env, HOST: '127.0.0.1', PORT: String(port) },
      { inherit: 'minimal' },
    ),
    {
      ipc: true,
      bundle: true,
      timeoutMs: 60_000,
      // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the server per run, to see where a request's time goes.
      nodeArgs: process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : [],
    },
  );
  const { child } = served;
  child.on('message', (m: { type?: string; keyCache?: KeyCacheFigures }) => {
    if (m?.type === 'keyhole-stats' && m.keyCache) keyCache = m.keyCache;
  });
  return {
    child,
    url: served.url,
    stop: () => stopWithin5s(child),
    keyCache: () => keyCache,
  };
}

export async function startFloor(
  databaseUrl: string,
  orgId: string,
  nodeArgs: string[] = [],
): Promise<Running> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return start(
    [...nodeArgs, '--import', 'tsx', 'floor.ts'],
    `${REPO}bench`,
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      ORG_ID: orgId,
    },
    url,
    url,
  );
}

// Linux's clock tick: /proc/<pid>/stat counts CPU time in 1/100 s on every kernel this bench runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in seconds (Linux, /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state: utime and stime are 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of a process, in MiB (Linux). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Samples a process's RSS every `everyMs` until stopped; returns max and mean. */
export function sampleRss(pid: number, everyMs = 200) {
  const samples: number[] = [];
  const timer = setInterval(() => {
    try {
      samples.push(rssMiB(pid));
    } catch {
      // Process gone.
    }
  }, everyMs);
  return () => {
    clearInterval(timer);
    const max = samples.length ? Math.max(...samples) : 0;
    const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0;
    return { maxMiB: round(max), meanMiB: round(mean), samples: samples.length };
  };
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
