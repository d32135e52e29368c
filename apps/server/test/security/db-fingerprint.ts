import type { KeyholeDatabase } from '@keyhole/api/internal/db/create-database';

/**
 * A fingerprint of every table (row count and an md5 of all rows as JSON), to prove that a refused
 * request wrote nothing. Left out: what the process writes in the background whatever the request
 * — key usage (`key_usage_daily`, `api_keys.last_used_at`, flushed every few seconds from earlier
 * key calls). Failed sign-ins and failed password confirmations (step-up) are the one write a
 * refusal must make (SPEC §3, §5), so their audit events are counted apart
 * (`audit_events:auth.sign_in_failed`, both actions) from the rest of the audit log.
 */
export type Fingerprint = Record<string, { rows: number; md5: string }>;

const BACKGROUND_TABLES = new Set(['key_usage_daily']);
const BACKGROUND_COLUMNS: Record<string, string[]> = { api_keys: ['last_used_at'] };
export const SIGN_IN_FAILED = 'audit_events:auth.sign_in_failed';
const CREDENTIAL_FAILURES = "'auth.sign_in_failed', 'auth.password_confirm_failed'";

const tablesCache: WeakMap<KeyholeDatabase, string[]> = new WeakMap();

async function tablesOf(database: KeyholeDatabase): Promise<string[]> {
  let tables = tablesCache.get(database);
  if (!tables) {
    const rows = await database.query<{ table_name: string }>(
      `select table_name from information_schema.tables
       where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    tables = rows.map((r) => r.table_name).filter((t) => !BACKGROUND_TABLES.has(t));
    tablesCache.set(database, tables);
  }
  return tables;
}

export async function tableFingerprint(
  database: KeyholeDatabase | { database: KeyholeDatabase },
): Promise<Fingerprint> {
  const db = 'database' in database ? database.database : database;
  const parts: string[] = [];
  for (const table of await tablesOf(db)) {
    const drop = (BACKGROUND_COLUMNS[table] ?? []).map((c) => ` - '${c}'`).join('');
    const row = `(to_jsonb(t)${drop})::text`;
    const agg = (name: string, where: string) =>
      `select '${name}' as name, count(*)::int as rows,
              coalesce(md5(string_agg(${row}, E'\\n' order by ${row})), '') as md5
       from "${table}" t ${where}`;
    if (table === 'audit_events') {
      parts.push(agg('audit_events', `where t.action not in (${CREDENTIAL_FAILURES})`));
      parts.push(agg(SIGN_IN_FAILED, `where t.action in (${CREDENTIAL_FAILURES})`));
    } else {
      parts.push(agg(table, ''));
    }
  }
  const rows = await db.query<{ name: string; rows: number; md5: string }>(parts.join(' union all '));
  return Object.fromEntries(rows.map((r) => [r.name, { rows: Number(r.rows), md5: r.md5 }]));
}
