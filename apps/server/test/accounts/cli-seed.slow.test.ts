import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_PASSWORD } from '@keyhole/api/internal/services/seed/demo-org';
import { childEnv, spawnCli } from '@keyhole/testing/serve-process';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The real CLI on a throw-away PGlite data dir: `seed --demo` and the first-start seed of `serve`,
 * then a graceful SIGTERM.
 */
const dirs: string[] = [];

const cliEnv = (dataDir: string) =>
  childEnv(
    { KEYHOLE_DATA_DIR: dataDir, KEYHOLE_PASSWORD_COST: '10', KEYHOLE_LOG_LEVEL: 'warn', PORT: '0' },
    { drop: ['REDIS_URL'] },
  );

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-cli-'));
  dirs.push(dir);
  return dir;
}

const startCli = (args: string[], dataDir: string) => spawnCli(args, cliEnv(dataDir));

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('keyhole CLI seeds', () => {
  it('seed --demo prints how to sign in, and refuses a second run', async () => {
    const dir = freshDataDir();
    const first = startCli(['seed', '--demo'], dir);
    expect(await exitOf(first)).toBe(0);
    expect(first.output()).toContain('admin@acme.test');
    expect(first.output()).toContain(DEMO_PASSWORD);
    const second = startCli(['seed', '--demo'], dir);
    expect(await exitOf(second)).toBe(1);
    expect(second.output()).toMatch(/already exists/);
    expect(second.output()).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('serve seeds an empty database on first start, serves sign-in, and stops on SIGTERM', async () => {
    const dir = freshDataDir();
    const server = startCli(['serve'], dir);
    const exited = exitOf(server);
    await waitFor(() => /Keyhole is running at (http:\/\/\S+)/.test(server.output()), 60_000);
    await waitFor(() => server.output().includes(DEMO_PASSWORD), 5_000);
    const url = server.output().match(/Keyhole is running at (http:\/\/\S+)/)![1]!;
    expect(server.output()).toContain(`Sign in at ${url}`);
    const res = await fetch(`${url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@acme.test', password: DEMO_PASSWORD }),
    });
    expect(res.status).toBe(200);
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    // A second start finds the org and does not seed again.
    const again = startCli(['serve'], dir);
    const againExited = exitOf(again);
    await waitFor(() => again.output().includes('Keyhole is running at'), 60_000);
    expect(again.output()).not.toContain(DEMO_PASSWORD);
    again.kill('SIGTERM');
    expect(await againExited).toBe(0);
  });
});
