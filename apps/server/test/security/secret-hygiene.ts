import type { KeyholeDatabase } from '@keyhole/api/internal/db/create-database';
import { expect } from 'vitest';

/**
 * SPEC §3/§5: a secret or a password never appears in a log line, an audit event, an error body or a
 * database column. Searched in every form it could take: the key string, its secret part, the Basic
 * encoding, and hex (how PostgreSQL prints bytea) for the database.
 */

function keyForms(keyString: string): string[] {
  const secret = keyString.slice(keyString.indexOf(':') + 1);
  return [
    keyString,
    secret,
    Buffer.from(keyString).toString('base64'),
    Buffer.from(secret).toString('hex'),
    Buffer.from(secret).toString('base64'),
  ];
}

function passwordForms(password: string): string[] {
  return [password, Buffer.from(password).toString('hex'), Buffer.from(password).toString('base64')];
}

export interface HygieneReport {
  secrets: number;
  passwords: number;
  /** Lines of text searched (log lines, error bodies, child output). */
  lines: number;
  auditRows: number;
  /** Rows of every table read as text. */
  tableRows: number;
  hits: number;
}

export async function expectNoSecretsLeaked(opts: {
  database: KeyholeDatabase;
  /** Log lines, child process output, error bodies… each labelled for the failure message. */
  texts: Record<string, string[]>;
  secrets: Iterable<string>;
  passwords: Iterable<string>;
}): Promise<HygieneReport> {
  const secrets = [...new Set(opts.secrets)];
  const passwords = [...new Set(opts.passwords)];
  const forms = [
    ...secrets.flatMap((s) => keyForms(s).map((f) => ({ f, what: `secret ${s.slice(0, 8)}…` }))),
    ...passwords.flatMap((p) => passwordForms(p).map((f) => ({ f, what: `password ${p.slice(0, 3)}…` }))),
  ];
  const hits: string[] = [];
  let lines = 0;
  for (const [label, texts] of Object.entries(opts.texts)) {
    for (const text of texts) {
      lines++;
      for (const { f, what } of forms)
        if (text.includes(f)) hits.push(`${what} in ${label}: ${text.slice(0, 120)}`);
    }
  }

  const tables = await opts.database.query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  let tableRows = 0;
  let auditRows = 0;
  for (const { table_name } of tables) {
    const rows = await opts.database.query<{ row: string }>(`select t::text as row from "${table_name}" t`);
    tableRows += rows.length;
    if (table_name === 'audit_events') auditRows = rows.length;
    for (const { row } of rows) {
      for (const { f, what } of forms)
        if (row.includes(f)) hits.push(`${what} in table ${table_name}: ${row.slice(0, 120)}`);
    }
  }
  expect(hits, hits.slice(0, 5).join('\n')).toEqual([]);
  return {
    secrets: secrets.length,
    passwords: passwords.length,
    lines,
    auditRows,
    tableRows,
    hits: hits.length,
  };
}
