import { findKeysBySecretHash } from '@keyhole/api/internal/db/keys/leaked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/test-database';

/**
 * A secret reported alone is found by its HMAC (current, or previous in overlap) through the partial
 * indexes of migration 0006, never by reading the table: the very statement the use case sends,
 * explained with sequential scans priced out so that only an index can serve it.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('the look-up of a reported secret', () => {
  it('uses the current- and previous-secret hash indexes, no scan of api_keys', async () => {
    const query = findKeysBySecretHash(database.db, Buffer.alloc(32, 7), new Date()).toSQL();
    const plan = await database.db.transaction(async (tx) => {
      await tx.execute('set local enable_seqscan = off');
      const rows = (await tx.execute(`explain ${inline(query.sql, query.params)}`)) as unknown as
        | { rows: Record<string, string>[] }
        | Record<string, string>[];
      const list = Array.isArray(rows) ? rows : rows.rows;
      return list.map((r) => Object.values(r)[0]).join('\n');
    });
    expect(plan).toContain('api_keys_secret_hash_idx');
    expect(plan).toContain('api_keys_previous_secret_hash_idx');
    expect(plan).not.toMatch(/Seq Scan on api_keys/);
  });
});

/** The statement with its parameters written in (EXPLAIN takes no bind parameters on every driver). */
function inline(sql: string, params: unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const v = params[Number(n) - 1];
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `'\\x${Buffer.from(v).toString('hex')}'::bytea`;
    if (v instanceof Date) return `'${v.toISOString()}'::timestamptz`;
    if (typeof v === 'number') return String(v);
    return `'${String(v).replace(/'/g, "''")}'`;
  });
}
