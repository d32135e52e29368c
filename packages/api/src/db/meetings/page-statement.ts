import type { MeetingAccess, MeetingState } from '@keyhole/core';
import { asc, desc, eq, fillPlaceholders, getTableColumns, type Placeholder, sql } from 'drizzle-orm';
import type { Database, KeyholeDatabase } from '../create-database';
import { meetingAttendees, meetings, users } from '../schema';
import { type MeetingPageQuery, visibleMeetingIdsQuery } from './access-sql';
import type { AttendeeRow } from './store';

type OrgIdsQuery = Extract<ReturnType<typeof visibleMeetingIdsQuery>, { _: { tableName: 'meetings' } }>;

/** A meeting's own fields as a read hands them over (its org and host ids aside). */
export interface MeetingFields {
  id: string;
  subject: string;
  startAt: Date;
  endAt: Date;
  state: MeetingState;
  isPrivate: boolean;
  transcriptReady: boolean;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

/** A meeting with its host and its attendees in list order: what every meeting read returns. */
export interface MeetingWithPeople {
  meeting: MeetingFields;
  host: { id: string; name: string; email: string };
  attendees: AttendeeRow[];
}

/**
 * A meeting with its host and its attendees (as one JSON array, in list order) in one row, so a
 * page of meetings, or one meeting, costs one statement and one round trip whatever its size.
 */
export const meetingViewColumns = {
  meeting: meetings,
  host: { id: users.id, name: users.name, email: users.email },
  attendees: sql<AttendeeRow[] | string>`coalesce((
    select json_agg(json_build_object('email', a.email, 'name', a.name, 'userId', a.user_id) order by a.position)
    from ${meetingAttendees} a where a.meeting_id = ${meetings.id}), '[]'::json)`,
};

/** Both drivers parse json; a driver configured otherwise would hand over text. */
export const parseAttendees = (attendees: AttendeeRow[] | string): AttendeeRow[] =>
  typeof attendees === 'string' ? (JSON.parse(attendees) as AttendeeRow[]) : attendees;

/**
 * One page of visible meetings, complete, in keyset order: the id scan of `visibleMeetingIdsQuery`
 * (the SQL proven equal to core's rule) as a CTE, joined to meetings and hosts. Unexecuted, so the
 * benchmark floor can run the very same statement.
 */
export function meetingPageQuery(db: Database, access: MeetingAccess, q: MeetingPageQuery) {
  // The two branches of the id query (org, user) select the same {id, at}; one type serves both.
  const ids = visibleMeetingIdsQuery(db, access, q) as unknown as OrgIdsQuery;
  const page = db.$with('page').as(ids);
  const dir = q.direction === 'asc' ? asc : desc;
  return db
    .with(page)
    .select({ ...meetingViewColumns, at: page.at })
    .from(page)
    .innerJoin(meetings, eq(meetings.id, page.id))
    .innerJoin(users, eq(users.id, meetings.hostId))
    .orderBy(dir(page.at), dir(page.id));
}

/**
 * The page statement's text depends only on the query's shape (scope kind, private rule, order,
 * direction, which filters are set): it is built once per shape with placeholders, and each request
 * only fills in its values. Building it with drizzle on every request cost about as much CPU as the
 * rest of the request; this keeps the statement identical while paying for it once.
 */
const templates = new Map<string, { sql: string; params: unknown[] }>();
const meetingColumnNames = Object.keys(getTableColumns(meetings)) as (keyof typeof meetings.$inferSelect)[];
/** Where each meeting column sits in a page row (the order `getTableColumns` selects them in). */
const meetingColumnIndex = Object.fromEntries(meetingColumnNames.map((name, i) => [name, i])) as Record<
  keyof typeof meetings.$inferSelect,
  number
>;
const P = <T>(name: string) => sql.placeholder(name) as Placeholder as unknown as T;

function pageTemplate(db: Database, access: MeetingAccess, q: MeetingPageQuery) {
  const key = [
    access.kind,
    access.kind === 'org' ? access.includePrivate : access.includeOwnPrivate,
    q.orderBy,
    q.direction,
    q.from !== undefined,
    q.to !== undefined,
    q.state !== undefined,
    q.after !== undefined,
  ].join('|');
  let template = templates.get(key);
  if (!template) {
    const shapeAccess: MeetingAccess =
      access.kind === 'org'
        ? { kind: 'org', orgId: P('orgId'), includePrivate: access.includePrivate }
        : {
            kind: 'user',
            orgId: P('orgId'),
            userId: P('userId'),
            includeOwnPrivate: access.includeOwnPrivate,
          };
    template = meetingPageQuery(db, shapeAccess, {
      orderBy: q.orderBy,
      direction: q.direction,
      limit: P('limit'),
      ...(q.from !== undefined ? { from: P('from') } : {}),
      ...(q.to !== undefined ? { to: P('to') } : {}),
      ...(q.state !== undefined ? { state: P('state') } : {}),
      ...(q.after !== undefined ? { after: { at: P('afterAt'), id: P('afterId') } } : {}),
    }).toSQL();
    templates.set(key, template);
  }
  return template;
}

const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(v as string));
const toDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : toDate(v));

/**
 * One page, complete, in keyset order: the statement of `meetingPageQuery`, filled in and run, each
 * row with its sort key (`at`) for the next page's cursor.
 */
export async function selectMeetingPage(
  database: KeyholeDatabase,
  access: MeetingAccess,
  q: MeetingPageQuery,
): Promise<(MeetingWithPeople & { at: Date })[]> {
  const template = pageTemplate(database.db, access, q);
  const params = fillPlaceholders(template.params, {
    orgId: access.orgId,
    userId: access.kind === 'user' ? access.userId : undefined,
    limit: q.limit,
    from: q.from?.toISOString(),
    to: q.to?.toISOString(),
    state: q.state,
    afterAt: q.after?.at.toISOString(),
    afterId: q.after?.id,
  });
  const rows = await database.queryValues(template.sql, params);
  // Columns by position, as selected: the meeting's, the host's id, name and email, attendees, sort key.
  const c = meetingColumnIndex;
  const n = meetingColumnNames.length;
  return rows.map((row) => ({
    meeting: {
      id: row[c.id] as string,
      subject: row[c.subject] as string,
      startAt: toDate(row[c.startAt]),
      endAt: toDate(row[c.endAt]),
      state: row[c.state] as MeetingState,
      isPrivate: row[c.isPrivate] as boolean,
      transcriptReady: row[c.transcriptReady] as boolean,
      createdAt: toDate(row[c.createdAt]),
      updatedAt: toDate(row[c.updatedAt]),
      completedAt: toDateOrNull(row[c.completedAt]),
    },
    host: { id: row[n] as string, name: row[n + 1] as string, email: row[n + 2] as string },
    attendees: parseAttendees(row[n + 3] as AttendeeRow[] | string),
    at: toDate(row[n + 4]),
  }));
}
