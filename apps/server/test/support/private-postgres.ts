import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './api-process';

/**
 * A private PostgreSQL 15 cluster for the fault suites: its own temp dir (owned by user `postgres`),
 * its own socket dir, 127.0.0.1 only, a free port, trust auth. The fault tests stop, restart and kill
 * it; they never touch the machine's shared PostgreSQL (5432). The postmaster is found by the pid in
 * `postmaster.pid`, so `kill()` and the exit hook reap it even when pg_ctl cannot.
 */
const BIN = process.env.KEYHOLE_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

type StopMode = 'smart' | 'fast' | 'immediate';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dir: string;
  /** The postmaster's pid (from postmaster.pid), or null when it is not running. */
  pid(): number | null;
  start(): Promise<void>;
  stop(mode?: StopMode): Promise<void>;
  /** `pg_ctl restart -m <mode>`: returns once the new postmaster accepts connections. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** SIGKILL the postmaster and its backends (by pid file), then remove the directory. Idempotent. */
  kill(): Promise<void>;
  /**
   * SIGSTOP the postmaster and every process it started: the server stalls (connections stay open,
   * new ones are accepted by the kernel and never answered). `resume()` sends SIGCONT to the same.
   */
  pause(): void;
  resume(): void;
}

const live = new Set<PrivatePostgres>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test process dies without afterAll: no cluster outlives it.
  process.once('exit', () => {
    for (const pg of live) killByPidFile(pg.dir);
  });
}

function readPid(dir: string): number | null {
  const file = path.join(dir, 'data', 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

function killByPidFile(dir: string) {
  const pid = readPid(dir);
  if (pid === null) return;
  // The postmaster's backends are its children: SIGQUIT makes the postmaster kill them at once, and a
  // SIGKILL to each child found in /proc leaves nothing behind even if the postmaster is wedged.
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {}
  for (const child of childrenOf(pid)) {
    try {
      process.kill(child, 'SIGKILL');
    } catch {}
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function asPostgres(args: string[], timeoutMs = 60_000) {
  // PostgreSQL refuses to run as root: as root, drop to `postgres`; as `postgres`, run directly.
  if (process.getuid?.() !== 0) return run(args[0]!, args.slice(1), { timeout: timeoutMs });
  return run('runuser', ['-u', 'postgres', '--', ...args], { timeout: timeoutMs });
}

export async function startPrivatePostgres(opts: { name?: string } = {}): Promise<PrivatePostgres> {
  if (!existsSync(`${BIN}/initdb`) || !existsSync(`${BIN}/pg_ctl`)) {
    throw new Error(`PostgreSQL 15 server binaries not found in ${BIN} (set KEYHOLE_PG_BIN)`);
  }
  installExitHook();
  const dir = mkdtempSync(path.join(os.tmpdir(), `keyhole-pg-${opts.name ?? 'fault'}-`));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  if (process.getuid?.() === 0) chownSync(dir, uid('postgres'), gid('postgres'));
  const port = await freePort();
  await asPostgres([
    `${BIN}/initdb`,
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 50',
    'shared_buffers = 32MB',
    'logging_collector = off',
  ].join('\n');
  writeFileSync(path.join(data, 'postgresql.auto.conf'), `${conf}\n`);
  if (process.getuid?.() === 0) {
    chownSync(path.join(data, 'postgresql.auto.conf'), uid('postgres'), gid('postgres'));
  }

  const pgCtl = (...args: string[]) =>
    asPostgres([`${BIN}/pg_ctl`, '-D', data, '-l', log, '-w', '-t', '60', ...args]);

  let paused: number[] = [];
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    pid: () => readPid(dir),
    start: async () => {
      await pgCtl('-o', `-k ${dir}`, 'start');
    },
    stop: async (mode = 'fast') => {
      if (readPid(dir) === null) return;
      await pgCtl('-m', mode, 'stop');
    },
    restart: async (mode = 'fast') => {
      await pgCtl('-m', mode, '-o', `-k ${dir}`, 'restart');
    },
    pause: () => {
      const pid = readPid(dir);
      if (pid === null) throw new Error('private PostgreSQL is not running');
      paused = [pid, ...childrenOf(pid)];
      for (const p of paused) process.kill(p, 'SIGSTOP');
    },
    resume: () => {
      for (const p of paused) {
        try {
          process.kill(p, 'SIGCONT');
        } catch {}
      }
      paused = [];
    },
    kill: async () => {
      pg.resume();
      killByPidFile(dir);
      for (let i = 0; i < 50 && readPid(dir) !== null; i++) await new Promise((r) => setTimeout(r, 100));
      live.delete(pg);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(pg);
  try {
    await pg.start();
  } catch (err) {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    await pg.kill();
    throw new Error(`private PostgreSQL did not start: ${String(err)}\n${text}`);
  }
  return pg;
}

function uid(user: string): number {
  return idOf(user, 2);
}
function gid(user: string): number {
  return idOf(user, 3);
}
function idOf(user: string, field: number): number {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no user ${user}`);
  return Number(line.split(':')[field]);
}
