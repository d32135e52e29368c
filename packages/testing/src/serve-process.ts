// The real Keyhole process for tests and benchmarks: `node --import tsx src/cli/main.ts …` in
// apps/server, as `pnpm keyhole` runs it. Started by path, never imported, so no package depends on
// the app. Every suite that needs a process of its own (several processes, one to kill, the CLI,
// the browser tests' server, the benchmark's) starts it here.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const SERVER_DIR = fileURLToPath(new URL('../../../apps/server/', import.meta.url));

/** A port nobody listens on right now (another process may take it before ours does). */
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

export interface ChildEnvOptions {
  /**
   * `runner` (default): the test runner's environment minus every setting that would point the child
   * elsewhere (`KEYHOLE_*`, `DATABASE_URL`, and `drop`). CI runs the suites a second time with
   * DATABASE_URL, KEYHOLE_SECRET and REDIS_URL set; a child gets those only when a test passes them.
   * `minimal`: PATH and HOME only (the benchmark, which must not inherit NODE_ENV=test).
   */
  inherit?: 'runner' | 'minimal';
  /** More of the runner's variables to leave out (e.g. `REDIS_URL`, `NODE_ENV`). */
  drop?: readonly string[];
}

/** The child's environment: what `inherit` keeps, then `env` (an `undefined` value removes a variable). */
/** The only webhook destinations of every test (KEYHOLE_WEBHOOK_ALLOWED_HOSTS). */
export const LOOPBACK_WEBHOOK_HOSTS = '127.0.0.1,localhost,::1';

export function childEnv(
  env: Record<string, string | undefined>,
  opts: ChildEnvOptions = {},
): NodeJS.ProcessEnv {
  const drop = new Set(opts.drop ?? []);
  const base =
    opts.inherit === 'minimal'
      ? { PATH: process.env.PATH, HOME: process.env.HOME }
      : Object.fromEntries(
          Object.entries(process.env).filter(
            ([k]) => !k.startsWith('KEYHOLE_') && k !== 'DATABASE_URL' && !drop.has(k),
          ),
        );
  // No test may deliver a webhook beyond this machine (SPEC §11): loopback unless a test says otherwise.
  const merged: Record<string, string | undefined> = {
    KEYHOLE_WEBHOOK_ALLOWED_HOSTS: LOOPBACK_WEBHOOK_HOSTS,
    ...base,
    ...env,
  };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return merged as NodeJS.ProcessEnv;
}

export interface CliChild extends ChildProcess {
  /** What it wrote, stdout and stderr interleaved, chunk by chunk as they arrived. */
  readonly chunks: string[];
  /** The same, joined. */
  output(): string;
}

export interface SpawnCliOptions {
  /** Node flags before the script, e.g. `--max-old-space-size=384`, `--cpu-prof`. */
  nodeArgs?: readonly string[];
  /** An IPC channel, as `pnpm start`'s launcher opens (the server reports figures over it). */
  ipc?: boolean;
  /** Keep stdin open as a pipe (the default ignores it). */
  stdin?: boolean;
  /**
   * Run the built `dist/keyhole.mjs`, what `pnpm start` runs in production, instead of the sources
   * through tsx (build it first: `node apps/server/scripts/build-server.mjs`).
   */
  bundle?: boolean;
}

/** `keyhole <args>` in its own process, its output kept. */
export function spawnCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: SpawnCliOptions = {},
): CliChild {
  const stdin = opts.stdin ? 'pipe' : 'ignore';
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      ...(opts.bundle ? ['dist/keyhole.mjs'] : ['--import', 'tsx', 'src/cli/main.ts']),
      ...args,
    ],
    {
      cwd: SERVER_DIR,
      env,
      stdio: opts.ipc ? [stdin, 'pipe', 'pipe', 'ipc'] : [stdin, 'pipe', 'pipe'],
    },
  );
  const chunks: string[] = [];
  const keep = (d: Buffer) => chunks.push(d.toString());
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return Object.assign(child, { chunks, output: () => chunks.join('') });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI command to its end (seed, migrate, legacy-import), with `stdin` written and closed. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: SERVER_DIR,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends `signal` unless the child already ended, and waits for its exit. */
export async function ended(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill(signal);
  await done;
}

export interface ServeProcess {
  url: string;
  child: CliChild;
  /** SIGTERM and wait for the exit (requests finished, usage flushed, connections closed). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown work at all, as in a crash. */
  kill(): Promise<void>;
}

const RUNNING_AT = /Keyhole is running at (http:\/\/\S+)/;

/**
 * `keyhole serve` with exactly `env`. Ready when the process itself says where it listens: polling a
 * port picked in advance could be answered by another suite's server that took the port meanwhile.
 */
export async function startServe(
  env: NodeJS.ProcessEnv,
  opts: SpawnCliOptions & { name?: string; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const name = opts.name ?? 'keyhole serve';
  const child = spawnCli(['serve'], env, opts);
  const proc: ServeProcess = {
    url: '',
    child,
    stop: () => ended(child, 'SIGTERM'),
    kill: () => ended(child, 'SIGKILL'),
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited early:\n${child.output()}`);
    }
    const listening = RUNNING_AT.exec(child.output());
    if (listening) return { ...proc, url: listening[1]! };
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`${name} did not start:\n${child.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
