import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '@keyhole/api/internal/env';
import { DEMO_PASSWORD } from '@keyhole/api/internal/services/seed/demo-seed';
import { afterAll, describe, expect, it } from 'vitest';
import { startApiProcess } from '../support/api-process';
import { createTestDatabase, isPostgres } from '../support/test-database';

/**
 * SPEC §6 (audit finding 10): the demo org (public password, five live keys) must never appear on a
 * real deployment by default. `KEYHOLE_SEED=auto` (the default) seeds only an empty embedded database
 * outside production; `demo` seeds any empty database; `off` never. Checked on the real `keyhole serve`
 * over HTTP: can the demo admin sign in?
 */
const API_DIR = fileURLToPath(new URL('../../', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function demoAdminSignsIn(url: string): Promise<number> {
  const res = await fetch(`${url}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@acme.test', password: DEMO_PASSWORD }),
  });
  return res.status;
}

/** `keyhole serve` on a throw-away PGlite data dir, with exactly these settings. */
async function servePglite(env: Record<string, string>): Promise<{ url: string; output: () => string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-seed-'));
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('KEYHOLE_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL' && k !== 'NODE_ENV',
    ),
  );
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: API_DIR,
    env: {
      ...base,
      KEYHOLE_DATA_DIR: dir,
      KEYHOLE_PASSWORD_COST: '10',
      KEYHOLE_LOG_LEVEL: 'warn',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const until = Date.now() + 60_000;
  for (;;) {
    const m = out.match(/Keyhole is running at (http:\/\/\S+)/);
    // The instructions, when there are any, follow the "running" line in the same write.
    if (m) return { url: m[1]!, output: () => out };
    if (child.exitCode !== null) throw new Error(`serve exited early:\n${out}`);
    if (Date.now() > until) throw new Error(`serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('KEYHOLE_SEED values', () => {
  it('auto by default; on/true mean auto, false means off; anything else is refused', () => {
    expect(loadConfig({}).seed).toBe('auto');
    for (const v of ['auto', 'on', 'true', 'AUTO'])
      expect(loadConfig({ KEYHOLE_SEED: v }).seed, v).toBe('auto');
    for (const v of ['off', 'false']) expect(loadConfig({ KEYHOLE_SEED: v }).seed, v).toBe('off');
    expect(loadConfig({ KEYHOLE_SEED: 'demo' }).seed).toBe('demo');
    for (const v of ['yes-please', 'demo,auto'])
      expect(() => loadConfig({ KEYHOLE_SEED: v }), v).toThrow(ConfigError);
  });
});

describe('the first start of keyhole serve', () => {
  it.runIf(isPostgres())('on an empty PostgreSQL database seeds nothing by default', async () => {
    const database = await createTestDatabase();
    await database.close();
    const api = await startApiProcess({
      name: 'pg-auto',
      databaseUrl: database.url!,
      env: { KEYHOLE_SEED: '' },
    });
    cleanups.push(() => api.stop());
    expect(await demoAdminSignsIn(api.url)).toBe(401);
    expect(api.output.join('')).not.toContain(DEMO_PASSWORD);
  });

  it.runIf(isPostgres())(
    'on an empty PostgreSQL database seeds the demo org with KEYHOLE_SEED=demo',
    async () => {
      const database = await createTestDatabase();
      await database.close();
      const api = await startApiProcess({
        name: 'pg-demo',
        databaseUrl: database.url!,
        env: { KEYHOLE_SEED: 'demo' },
      });
      cleanups.push(() => api.stop());
      expect(await demoAdminSignsIn(api.url)).toBe(200);
    },
  );

  it('with NODE_ENV=production on an empty embedded database seeds nothing by default', async () => {
    const server = await servePglite({ NODE_ENV: 'production' });
    expect(await demoAdminSignsIn(server.url)).toBe(401);
    expect(server.output()).not.toContain(DEMO_PASSWORD);
  });
});
