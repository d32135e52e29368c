import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '@keyhole/api/internal/env';
import { DEMO_PASSWORD } from '@keyhole/api/internal/services/seed/demo-org';
import { httpMutation } from '@keyhole/testing/http';
import { childEnv, startServe } from '@keyhole/testing/serve-process';
import { afterAll, describe, expect, it } from 'vitest';
import { startApiProcess } from '../support/api-process';
import { createTestDatabase, isPostgres } from '../support/test-database';

/**
 * SPEC §6 (audit finding 10): the demo org (public password, five live keys) must never appear on a
 * real deployment by default. `KEYHOLE_SEED=auto` (the default) seeds only an empty embedded database
 * outside production; `demo` seeds any empty database; `off` never. Checked on the real `keyhole serve`
 * over HTTP: can the demo admin sign in?
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function demoAdminSignsIn(url: string): Promise<number> {
  const res = await httpMutation(url, 'auth.signIn', { email: 'admin@acme.test', password: DEMO_PASSWORD });
  return res.status;
}

/** `keyhole serve` on a throw-away PGlite data dir, with exactly these settings. */
async function servePglite(env: Record<string, string>): Promise<{ url: string; output: () => string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-seed-'));
  const served = await startServe(
    childEnv(
      { KEYHOLE_DATA_DIR: dir, KEYHOLE_PASSWORD_COST: '10', KEYHOLE_LOG_LEVEL: 'warn', PORT: '0', ...env },
      { drop: ['REDIS_URL', 'NODE_ENV'] },
    ),
    { timeoutMs: 60_000 },
  );
  cleanups.push(async () => {
    await served.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // The instructions, when there are any, follow the "running" line in the same write.
  return { url: served.url, output: served.child.output };
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
