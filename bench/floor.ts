/**
 * The floor: a bare node:http server that sends the very statement an `org_limited` `meetings.list`
 * of 25 sends (built once at start-up by Keyhole's own query builder, then run with postgres.js) and
 * answers with JSON.stringify. No authentication, no rate limiting, no tRPC, no cursor signing.
 * Whatever Keyhole costs on top of this is the price of those.
 *
 * Env: DATABASE_URL, PORT, ORG_ID.
 */
import { createServer } from 'node:http';
import type { Database } from '@keyhole/api/internal/db/create-database';
import { meetingPageQuery } from '@keyhole/api/internal/db/meetings/page-statement';
import * as schema from '@keyhole/api/internal/db/schema';
import { getTableColumns } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';

const client = postgres(process.env.DATABASE_URL!, {
  max: 10,
  onnotice: () => {},
  types: { bigint: postgres.BigInt },
});
const db = drizzle({ client, schema }) as unknown as Database;
const LIMIT = 25;
const statement = meetingPageQuery(
  db,
  { kind: 'org', orgId: process.env.ORG_ID!, includePrivate: false },
  { orderBy: 'startAt', direction: 'desc', limit: LIMIT + 1 },
).toSQL();
const columns = Object.entries(getTableColumns(schema.meetings));
const meetingColumns = columns.map(([name]) => name);
// drizzle's postgres-js setup hands timestamps over as text; the API turns them into ISO strings too.
const isTimestamp = columns.map(([, c]) => c.columnType === 'PgTimestamp');
const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());

async function listMeetings() {
  const rows = await client.unsafe(statement.sql, statement.params as never[], { prepare: true }).values();
  const items = rows.slice(0, LIMIT).map((row) => {
    const m: Record<string, unknown> = {};
    meetingColumns.forEach((name, i) => {
      m[name] = isTimestamp[i] ? iso(row[i]) : row[i];
    });
    const n = meetingColumns.length;
    return { ...m, host: { id: row[n], name: row[n + 1], email: row[n + 2] }, attendees: row[n + 3] };
  });
  return { items, nextCursor: rows.length > LIMIT ? 'next' : null };
}

const server = createServer((_req, res) => {
  listMeetings().then(
    (data) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: { data } }));
    },
    (err: unknown) => {
      res.writeHead(500).end(String(err));
    },
  );
});
server.listen(Number(process.env.PORT ?? 4100), '127.0.0.1', () => {
  process.stdout.write(`floor listening on ${process.env.PORT ?? 4100}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void client.end({ timeout: 1 }).then(() => process.exit(0));
});
