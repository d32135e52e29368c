import type { KeyholeDatabase } from '../create-database';

/**
 * The statements of the bulk seed (`keyhole seed --orgs N …`): batches of
 * `insert … select from json_to_recordset($1)`, one statement and one JSON parameter per batch, the
 * same on PostgreSQL and PGlite.
 */

export interface BulkUserRow {
  id: string;
  email: string;
  name: string;
  role: string;
}

/** One meeting batch, column by column (every array the same length). */
export interface BulkMeetingColumns {
  id: string[];
  host: string[];
  subject: string[];
  startAt: string[];
  endAt: string[];
  state: string[];
  isPrivate: boolean[];
  createdAt: string[];
  completedAt: (string | null)[];
}

/** One attendee batch, column by column, with the copies of the meeting's columns the list reads. */
export interface BulkAttendeeColumns {
  meetingId: string[];
  position: number[];
  email: string[];
  name: string[];
  userId: (string | null)[];
  isPrivate: boolean[];
  startAt: string[];
  createdAt: string[];
  completedAt: (string | null)[];
}

export async function insertBulkOrg(database: KeyholeDatabase, orgId: string, name: string): Promise<void> {
  await database.query('insert into orgs (id, name) values ($1, $2)', [orgId, name]);
}

export async function insertBulkUsers(
  database: KeyholeDatabase,
  orgId: string,
  passwordHash: string,
  rows: BulkUserRow[],
): Promise<void> {
  await database.query(
    `insert into users (id, org_id, email, name, role, password_hash)
           select u.id, $2::uuid, u.email, u.name, u.role, $3
           from json_to_recordset($1::json) as u(id uuid, email text, name text, role text)`,
    [JSON.stringify(rows), orgId, passwordHash],
  );
}

export async function insertBulkMeetings(
  database: KeyholeDatabase,
  orgId: string,
  m: BulkMeetingColumns,
): Promise<void> {
  await database.query(
    `insert into meetings (id, org_id, host_id, subject, start_at, end_at, state, is_private, created_at, updated_at, completed_at)
         select t.id, $1::uuid, t.host, t.subject, t.start_at, t.end_at, t.state, t.is_private, t.created_at, t.created_at, t.completed_at
         from json_to_recordset($2::json) as t(id uuid, host uuid, subject text, start_at timestamptz, end_at timestamptz,
           state text, is_private bool, created_at timestamptz, completed_at timestamptz)`,
    [
      orgId,
      JSON.stringify(
        zipColumns({
          id: m.id,
          host: m.host,
          subject: m.subject,
          start_at: m.startAt,
          end_at: m.endAt,
          state: m.state,
          is_private: m.isPrivate,
          created_at: m.createdAt,
          completed_at: m.completedAt,
        }),
      ),
    ],
  );
}

export async function insertBulkAttendees(database: KeyholeDatabase, a: BulkAttendeeColumns): Promise<void> {
  await database.query(
    `insert into meeting_attendees (meeting_id, position, email, name, user_id, meeting_is_private, meeting_start_at, meeting_created_at, meeting_completed_at)
           select * from json_to_recordset($1::json) as t(meeting_id uuid, position int, email text, name text, user_id uuid,
             meeting_is_private bool, meeting_start_at timestamptz, meeting_created_at timestamptz, meeting_completed_at timestamptz)`,
    [
      JSON.stringify(
        zipColumns({
          meeting_id: a.meetingId,
          position: a.position,
          email: a.email,
          name: a.name,
          user_id: a.userId,
          meeting_is_private: a.isPrivate,
          meeting_start_at: a.startAt,
          meeting_created_at: a.createdAt,
          meeting_completed_at: a.completedAt,
        }),
      ),
    ],
  );
}

/** Drops the non-unique secondary indexes of the meeting tables and returns the statements that rebuild them. */
export async function dropSecondaryIndexes(database: KeyholeDatabase): Promise<string[]> {
  const rows = await database.query<{ indexname: string; indexdef: string }>(
    `select i.indexname, i.indexdef from pg_indexes i
     join pg_class c on c.relname = i.indexname
     join pg_index x on x.indexrelid = c.oid
     where i.schemaname = current_schema() and i.tablename in ('meetings', 'meeting_attendees')
       and not x.indisprimary and not x.indisunique`,
  );
  for (const r of rows) await database.query(`drop index if exists "${r.indexname}"`);
  return rows.map((r) => r.indexdef);
}

/** Runs the statements `dropSecondaryIndexes` returned, then (when there were any) analyzes the tables. */
export async function rebuildSecondaryIndexes(database: KeyholeDatabase, defs: string[]): Promise<void> {
  for (const def of defs) await database.query(def);
  if (defs.length > 0) await database.query('analyze meetings, meeting_attendees');
}

/** Column arrays of equal length → one object per row, the shape `json_to_recordset` reads. */
function zipColumns(columns: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  const names = Object.keys(columns);
  const length = columns[names[0]!]!.length;
  return Array.from({ length }, (_, i) => Object.fromEntries(names.map((n) => [n, columns[n]![i]])));
}
