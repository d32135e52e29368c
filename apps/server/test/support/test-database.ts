import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createDatabase, type KeyholeDatabase } from '@keyhole/api/internal/db/create-database';
import { loadConfig } from '@keyhole/api/internal/env';
import { LOOPBACK_WEBHOOK_HOSTS } from '@keyhole/testing/serve-process';
import postgres from 'postgres';
import { inject } from 'vitest';
import { withDatabase } from './global-setup';

export const testConfigSource = (): Record<string, string | undefined> => ({
  ...process.env,
  NODE_ENV: 'test',
  KEYHOLE_PASSWORD_COST: process.env.KEYHOLE_PASSWORD_COST ?? '10',
  KEYHOLE_LOG_LEVEL: process.env.KEYHOLE_LOG_LEVEL ?? 'info',
  // No test may deliver a webhook beyond this machine (SPEC §11).
  KEYHOLE_WEBHOOK_ALLOWED_HOSTS: LOOPBACK_WEBHOOK_HOSTS,
});

/**
 * A migrated database of its own for one test file: in-memory PGlite by default, a copy of the
 * migrated template on PostgreSQL when DATABASE_URL is set. Share one per file (PGlite takes seconds
 * to start) and keep tests apart by creating their own orgs.
 */
export async function createTestDatabase(
  opts: { timeoutMs?: number; maxOutstanding?: number } = {},
): Promise<KeyholeDatabase & { url?: string }> {
  const { databaseUrl } = loadConfig(testConfigSource());
  if (!databaseUrl) {
    const dump = inject('pgliteDump');
    if (!dump) return createDatabase({ kind: 'pglite' });
    return createDatabase({ kind: 'pglite', migrate: false, loadDataDir: new Blob([readFileSync(dump)]) });
  }
  const template = inject('pgTemplate');
  const name = `${inject('pgPrefix')}${randomBytes(6).toString('hex')}`;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(databaseUrl, name);
  const db = await createDatabase({ kind: 'postgres', url, migrate: false, ...opts });
  return { ...db, url };
}

export const isPostgres = () => Boolean(loadConfig(testConfigSource()).databaseUrl);
