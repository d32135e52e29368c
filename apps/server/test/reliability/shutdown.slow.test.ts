import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signUpWithKey } from '@keyhole/testing/world';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startApiProcess } from '../support/api-process';

/**
 * Shutdown (SPEC §9): SIGTERM stops accepting, lets a request in flight finish (here one held open
 * 4 s by its unfinished body: deterministic, it cannot complete before the test sends the rest),
 * then the process exits; an idle keep-alive connection is closed at once. `pnpm start` passes
 * SIGTERM on and its server never outlives it, even when the launcher is killed with SIGKILL.
 */

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const HOLD_MS = 4000;
const tempDirs: string[] = [];
const leftovers: number[] = [];

afterAll(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every process below `root` (from /proc: this suite runs on Linux, like CI). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Exited while we looked.
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('SIGTERM to keyhole serve', () => {
  it('lets a request in flight for 4 s finish with 200, refuses new connections, closes idle ones, then exits', async () => {
    // REDIS_URL '' (unset for the server): CI's slow run exports the shared Redis; this suite needs none.
    const api = await startApiProcess({
      name: 'shutdown',
      env: { KEYHOLE_PASSWORD_COST: '4', REDIS_URL: '' },
    });
    const port = Number(new URL(api.url).port);
    const account = await signUpWithKey(api.url, 'shutdown');

    // An idle keep-alive connection: closed by the server as soon as it starts shutting down.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let idleSocketClosedAt = 0;
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${api.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('socket', (s) => s.once('close', () => (idleSocketClosedAt = performance.now())));
      req.on('error', reject);
    });

    // A rename whose body arrives in two halves, HOLD_MS apart.
    const body = JSON.stringify({ id: account.keyId, name: 'renamed during shutdown' });
    const half = Math.floor(body.length / 2);
    let heldAt = 0;
    const answer = new Promise<{ status: number; text: string; connection: string | undefined }>(
      (resolve, reject) => {
        const req = http.request(
          `${api.url}/trpc/keys.rename`,
          {
            method: 'POST',
            agent: false,
            headers: {
              cookie: account.cookie,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d) => (text += d));
            res.on('end', () =>
              resolve({ status: res.statusCode!, text, connection: res.headers.connection }),
            );
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, half));
        heldAt = performance.now();
        setTimeout(() => req.end(body.slice(half)), HOLD_MS);
      },
    );
    answer.catch(() => undefined);
    await sleep(300); // the request has reached the server
    const done = exited(api.child);
    const sigtermAt = performance.now();
    api.child.kill('SIGTERM');

    await waitUntil('the listener to close', async () => !(await portAccepts(port)), 2000);
    const refusedAfter = performance.now() - sigtermAt;
    await waitUntil('the idle connection to close', () => idleSocketClosedAt > 0, 2000);
    const idleClosedAfter = idleSocketClosedAt - sigtermAt;

    const result = await answer;
    const answeredAt = performance.now();
    const answeredAfter = answeredAt - sigtermAt;
    const { code } = await done;
    const exitedAfter = performance.now() - sigtermAt;
    console.log(
      `[shutdown] after SIGTERM: new connections refused at ${Math.round(refusedAfter)} ms, idle keep-alive closed at ${Math.round(idleClosedAfter)} ms, held request answered ${result.status} at ${Math.round(answeredAfter)} ms (Connection: ${result.connection}), process exited (code ${code}) at ${Math.round(exitedAfter)} ms`,
    );
    expect(result.status, result.text).toBe(200);
    expect(JSON.parse(result.text).result.data.name).toBe('renamed during shutdown');
    expect(result.connection).toBe('close');
    // It really was in flight for the whole hold, and SIGTERM came early in it.
    expect(answeredAt - heldAt).toBeGreaterThanOrEqual(HOLD_MS - 50);
    expect(answeredAfter).toBeGreaterThanOrEqual(HOLD_MS - 1000);
    expect(idleClosedAfter).toBeLessThan(1000);
    expect(code).toBe(0);
    expect(exitedAfter - answeredAfter).toBeLessThan(3000);
    expect(api.output.join('')).toContain('"msg":"stopped"');
  });
});

describe('pnpm start', () => {
  async function startPnpm() {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keyhole-pnpm-start-'));
    tempDirs.push(dataDir);
    const base = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('KEYHOLE_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL',
      ),
    );
    const output: string[] = [];
    const pnpm = spawn('pnpm', ['start'], {
      cwd: REPO_ROOT,
      env: {
        ...base,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        KEYHOLE_DATA_DIR: dataDir,
        KEYHOLE_SEED: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pnpm.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    pnpm.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    // The first start may build the web app.
    await waitUntil(
      'pnpm start to serve /healthz',
      async () => {
        if (pnpm.exitCode !== null) throw new Error(`pnpm start exited:\n${output.join('')}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
        } catch {
          return false;
        }
      },
      180_000,
    );
    const tree = descendants(pnpm.pid!);
    leftovers.push(pnpm.pid!, ...tree);
    return { pnpm, port, dataDir, tree, output };
  }

  async function expectNothingLeft(
    label: string,
    run: { port: number; dataDir: string; tree: number[] },
    since: number,
  ) {
    await waitUntil(
      `every process of ${label} to exit (${run.tree
        .filter(alive)
        .map((p) => `${p}: ${cmdline(p)}`)
        .join('; ')})`,
      () => run.tree.every((pid) => !alive(pid)),
      15_000,
    );
    const goneAfter = performance.now() - since;
    expect(await portAccepts(run.port)).toBe(false);
    expect(existsSync(path.join(run.dataDir, 'keyhole.lock'))).toBe(false);
    console.log(
      `[shutdown] ${label}: ${run.tree.length} processes below pnpm, all gone ${Math.round(goneAfter)} ms after the signal; port free, lock released`,
    );
  }

  it('SIGTERM to pnpm (as a supervisor sends it) leaves no process behind', async () => {
    const run = await startPnpm();
    const servers = run.tree.filter((pid) => cmdline(pid).includes('apps/server/dist/keyhole.mjs'));
    expect(servers).toHaveLength(1);
    const since = performance.now();
    const done = exited(run.pnpm);
    process.kill(run.pnpm.pid!, 'SIGTERM');
    await done;
    await expectNothingLeft('SIGTERM to pnpm', run, since);
  });

  it('SIGKILL to the launcher (scripts/start.mjs) still stops its server', async () => {
    const run = await startPnpm();
    const launcher = run.tree.find((pid) => cmdline(pid).includes('scripts/start.mjs'));
    expect(launcher).toBeDefined();
    const since = performance.now();
    process.kill(launcher!, 'SIGKILL');
    await expectNothingLeft('SIGKILL to scripts/start.mjs', run, since);
    // pnpm itself ends when its child does.
    await exited(run.pnpm);
  });
});
