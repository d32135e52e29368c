import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET } from './test-app';

/**
 * A real `keyhole serve` process (`node --import tsx src/cli/main.ts serve`) on a database of the test's
 * own, for the slow suites that need several processes, or one to kill. Its stdout and stderr are
 * kept so a suite can search them for secrets.
 */
const API_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface ApiProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: string[];
  /** SIGTERM and wait for the exit (usage flushed, connections closed). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown work at all, as in a crash. */
  kill(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startApiProcess(opts: {
  name: string;
  /** PostgreSQL; without it the process runs on PGlite in a fresh data dir of its own. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--max-old-space-size=384`. */
  nodeArgs?: string[];
  /** Variables of the runner's environment the child must not inherit (e.g. `REDIS_URL`). */
  dropEnv?: string[];
}): Promise<ApiProcess> {
  const port = await freePort();
  // The child gets exactly the settings given here, never the test runner's KEYHOLE_* ones.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('KEYHOLE_') && k !== 'DATABASE_URL' && !opts.dropEnv?.includes(k),
    ),
  );
  const database = opts.databaseUrl
    ? { DATABASE_URL: opts.databaseUrl }
    : { KEYHOLE_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), `keyhole-${opts.name}-`)) };
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/cli/main.ts', 'serve'],
    {
      cwd: API_DIR,
      env: {
        ...base,
        NODE_ENV: 'test',
        ...database,
        KEYHOLE_SECRET: TEST_SECRET,
        HOST: '127.0.0.1',
        PORT: String(port),
        KEYHOLE_SEED: 'off',
        KEYHOLE_LOG_LEVEL: 'info',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const proc: ApiProcess = {
    name: opts.name,
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = exited(child);
      child.kill('SIGTERM');
      await done;
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${opts.name} exited early:\n${output.join('')}`);
    try {
      if ((await fetch(`${proc.url}/healthz`)).ok) return proc;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`${opts.name} did not start:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
