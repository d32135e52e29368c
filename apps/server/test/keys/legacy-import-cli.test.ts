import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase } from '@keyhole/api/internal/db/create-database';
import { expectTrpcError } from '@keyhole/testing/errors';
import { childEnv, runCli as runKeyholeCli } from '@keyhole/testing/serve-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRequest } from '../support/keys';
import { seedOrg, seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/test-app';
import { createTestDatabase, isPostgres } from '../support/test-database';
import { auditFor, expectNoSecretsIn } from './key-test-helpers';

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-cli-'));
  tempDirs.push(dir);
  return dir;
}

/** The real CLI, as `pnpm keyhole` runs it, with a clean environment of our choosing. */
const runCli = (args: string[], env: Record<string, string>, stdin?: string) =>
  runKeyholeCli(
    args,
    childEnv({ NODE_ENV: 'test', KEYHOLE_LOG_LEVEL: 'info', ...env }, { drop: ['REDIS_URL'] }),
    stdin,
  );

/**
 * Where the CLI writes: the file's PostgreSQL database, or (PGlite) a data dir that only one process
 * may hold at a time, so the test opens it between CLI runs and closes it before the next one.
 */
let target: {
  env: Record<string, string>;
  withApp<T>(fn: (app: TestApp) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

beforeAll(async () => {
  if (isPostgres()) {
    const database = await createTestDatabase();
    const app = await createTestApp({ database });
    target = {
      env: { DATABASE_URL: database.url!, KEYHOLE_SECRET: TEST_SECRET },
      withApp: (fn) => fn(app),
      close: () => app.close(),
    };
  } else {
    const dataDir = tempDir();
    // The CLI takes its root secret from the data dir; the test apps use the same one.
    writeFileSync(path.join(dataDir, 'secret'), `${TEST_SECRET}\n`, { mode: 0o600 });
    target = {
      env: { KEYHOLE_DATA_DIR: dataDir },
      withApp: async (fn) => {
        const app = await createTestApp({ database: await createDatabase({ kind: 'pglite', dataDir }) });
        try {
          return await fn(app);
        } finally {
          await app.close();
        }
      },
      close: async () => {},
    };
  }
}, 120_000);

afterAll(async () => {
  await target?.close();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function seedOrgWithAdmin() {
  return target.withApp(async (app) => {
    const org = await seedOrg(app.deps.db);
    const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
    return { org, admin };
  });
}

// Each case starts the real CLI (tsx) several times: seconds each on a loaded 2-core machine.
describe('pnpm keyhole legacy-import', { timeout: 120_000 }, () => {
  it('refuses an embedded data dir held by a running server, saying to stop it or use PostgreSQL', async () => {
    const dataDir = tempDir();
    // This test process is alive, so its pid in the lock file is a server holding the directory.
    writeFileSync(path.join(dataDir, 'keyhole.lock'), String(process.pid));
    const result = await runCli(
      ['legacy-import', '--org', '00000000-0000-4000-8000-000000000000', '--name', 'x'],
      {
        KEYHOLE_DATA_DIR: dataDir,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`in use by process ${process.pid}`);
    expect(result.stderr).toMatch(/Stop the server/);
    expect(result.stderr).toMatch(/PostgreSQL/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expect(readFileSync(path.join(dataDir, 'keyhole.lock'), 'utf8')).toBe(String(process.pid));
    expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(false);
  });

  it('mints a legacy key, prints only its string on stdout, and the key works and is read-only', async () => {
    const { org, admin } = await seedOrgWithAdmin();
    const result = await runCli(['legacy-import', '--org', org.id, '--name', 'Old Zapier'], target.env);
    expect(result.stderr).toContain('Minted legacy key "Old Zapier"');
    expect(result.code).toBe(0);
    const keyString = result.stdout.trim();
    expect(result.stdout).toBe(`${keyString}\n`);
    expect(keyString).toMatch(/^kh_[0-9A-Za-z]{22}:khs_[0-9A-Za-z]{49}$/);
    expectNoSecretsIn(result.stderr, [keyString]);

    await target.withApp(async (app) => {
      const me = await app.caller(keyRequest(keyString)).whoami();
      expect(me.key).toMatchObject({ name: 'Old Zapier', scope: 'legacy' });
      expect(me.org.id).toBe(org.id);
      const caller = app.caller(await sessionRequest(app, admin.id));
      const [listed] = (await caller.keys.list()).keys;
      expect(listed).toMatchObject({ id: me.key.id, isLegacy: true, createdBy: null });
      await expectTrpcError(
        caller.keys.rename({ id: me.key.id, name: 'x' }),
        'PRECONDITION_FAILED',
        'legacy_read_only',
      );
      await expectTrpcError(
        caller.keys.regenerate({ id: me.key.id }),
        'PRECONDITION_FAILED',
        'legacy_read_only',
      );
      const [event] = await auditFor(app, org.id, 'key.legacy_imported');
      expect(event).toMatchObject({ actorType: 'system', targetId: me.key.id });
    });
  });

  it('imports a foreign key string (--key, and --key - from stdin) that then works and is read-only', async () => {
    const { org, admin } = await seedOrgWithAdmin();
    const foreign = 'acme-prod.client-7:0ld-Secr3t.value_with-dashes';
    const viaArg = await runCli(
      ['legacy-import', '--org', org.id, '--name', 'Foreign', '--key', foreign],
      target.env,
    );
    expect(viaArg.code).toBe(0);
    expect(viaArg.stdout).toBe(`${foreign}\n`);
    expect(viaArg.stderr).toContain('Imported legacy key "Foreign"');
    const piped = 'piped_client:piped.secret-123';
    const viaStdin = await runCli(
      ['legacy-import', '--org', org.id, '--name', 'Piped', '--key', '-'],
      target.env,
      `${piped}\n`,
    );
    expect(viaStdin.code).toBe(0);
    expect(viaStdin.stdout).toBe(`${piped}\n`);

    await target.withApp(async (app) => {
      for (const keyString of [foreign, piped]) {
        expect((await app.caller(keyRequest(keyString)).whoami()).key.scope).toBe('legacy');
      }
      const basic = `Basic ${Buffer.from(foreign).toString('base64')}`;
      expect((await app.caller({ authorization: basic }).whoami()).key.name).toBe('Foreign');
      const caller = app.caller(await sessionRequest(app, admin.id));
      const keys = (await caller.keys.list()).keys;
      expect(keys.map((k) => k.clientKey).sort()).toEqual(['acme-prod.client-7', 'piped_client']);
      for (const k of keys) {
        await expectTrpcError(
          caller.keys.rename({ id: k.id, name: 'x' }),
          'PRECONDITION_FAILED',
          'legacy_read_only',
        );
      }
      expect(await caller.keys.reveal({ id: keys.find((k) => k.name === 'Foreign')!.id })).toEqual({
        secret: foreign,
      });
    });
  });

  it('respects the 10-key limit and refuses bad input with a message, never a stack', async () => {
    const { org, admin } = await seedOrgWithAdmin();
    await target.withApp(async (app) => {
      const caller = app.caller(await sessionRequest(app, admin.id));
      for (let i = 0; i < 10; i++) await caller.keys.create({ name: `k${i}`, scope: 'org_limited' });
    });
    const full = await runCli(['legacy-import', '--org', org.id, '--name', 'eleventh'], target.env);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/already has 10 API keys.*Revoke/);
    expect(full.stdout).toBe('');
    const badKey = await runCli(
      ['legacy-import', '--org', org.id, '--name', 'x', '--key', 'no colon'],
      target.env,
    );
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/CLIENT_KEY:SECRET/);
    const noName = await runCli(['legacy-import', '--org', org.id], target.env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--org and --name are required/);
    for (const r of [full, badKey, noName]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
