import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpQuery, httpRequest } from '@keyhole/testing/http';
import {
  childEnv,
  SERVER_DIR,
  type ServeProcess,
  spawnCli,
  startServe,
} from '@keyhole/testing/serve-process';
import { signUpWithKey } from '@keyhole/testing/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `pnpm start` runs the server built to one JavaScript file (scripts/build-server.mjs), not the
 * sources through tsx: everything that finds files beside its source (migrations, the version in
 * package.json, Redoc's bundle, the CLI's lazily imported commands) and every npm package must work
 * from that file as they do from source. The rest of the suite runs the sources; this runs the file.
 */

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keyhole-bundle-'));
const env = childEnv(
  {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    KEYHOLE_DATA_DIR: dataDir,
    KEYHOLE_SEED: 'off',
    KEYHOLE_PASSWORD_COST: '10',
    KEYHOLE_LOG_LEVEL: 'warn',
  },
  { drop: ['REDIS_URL'] },
);
let server: ServeProcess | undefined;

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['scripts/build-server.mjs'], {
    cwd: SERVER_DIR,
    encoding: 'utf8',
  });
  expect(built.status, built.stderr).toBe(0);
  server = await startServe(env, { bundle: true, name: 'the built server' });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the built server (dist/keyhole.mjs)', () => {
  it('is what runs: no tsx in the process', () => {
    const cmdline = readFileSync(`/proc/${server!.child.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.some((arg) => arg.endsWith('dist/keyhole.mjs'))).toBe(true);
    expect(cmdline.join(' ')).not.toContain('tsx');
  });

  it('migrated its database, knows its version, and serves an API key its meetings', async () => {
    const version = (
      JSON.parse(readFileSync(path.join(SERVER_DIR, '../../packages/api/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const health = await httpQuery<{ ok: boolean; database: string; version: string }>(server!.url, 'health');
    expect(health.body.result?.data).toEqual({ ok: true, database: 'pglite', version });
    const account = await signUpWithKey(server!.url, 'bundle');
    const page = await httpQuery<{ items: unknown[]; nextCursor: string | null }>(
      server!.url,
      'meetings.list',
      { limit: 5 },
      { headers: { authorization: `Bearer ${account.keyString}` } },
    );
    expect(page.status).toBe(200);
    expect(page.body.result?.data).toEqual({ items: [], nextCursor: null });
    const rest = await httpRequest(server!.url, {
      path: '/v1/whoami',
      headers: { authorization: `Bearer ${account.keyString}` },
    });
    expect(rest.status).toBe(200);
  });

  it('serves the OpenAPI document and the reference with Redoc’s bundle found from the file', async () => {
    const doc = await httpRequest(server!.url, { path: '/v1/openapi.json' });
    expect(doc.status).toBe(200);
    expect((JSON.parse(doc.text) as { openapi: string }).openapi).toMatch(/^3\.1/);
    const redoc = await httpRequest(server!.url, { path: '/docs/api/redoc.standalone.js' });
    expect(redoc.status).toBe(200);
    expect(redoc.text.length).toBeGreaterThan(100_000);
  });

  it('runs the CLI commands it imports lazily (seed --demo) and migrate, once the server is stopped', async () => {
    await server!.stop();
    server = undefined;
    const migrate = spawnCli(['migrate'], env, { bundle: true });
    const code = await new Promise<number | null>((resolve) => migrate.on('exit', resolve));
    expect(code, migrate.output()).toBe(0);
    const help = spawnCli(['help'], env, { bundle: true });
    await new Promise((resolve) => help.on('exit', resolve));
    expect(help.output()).toContain('seed --demo');
    const seeded = spawnCli(['seed', '--demo'], env, { bundle: true });
    const seedCode = await new Promise<number | null>((resolve) => seeded.on('exit', resolve));
    expect(seedCode, seeded.output()).toBe(0);
    expect(seeded.output()).toContain('Acme Demo');
  }, 120_000);
});
