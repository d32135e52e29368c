import type { MeetingAccess } from '@keyhole/core';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/create-database';
import {
  type MeetingPageQuery,
  meetingVisibleCondition,
  visibleMeetingIdsQuery,
} from '../../db/meeting-access-sql';
import { meetingAttendees, meetings, users } from '../../db/schema';
import { type MeetingView, toMeetingView } from './views';

type AttendeeView = MeetingView['attendees'][number];
type OrgIdsQuery = Extract<ReturnType<typeof visibleMeetingIdsQuery>, { _: { tableName: 'meetings' } }>;

/**
 * A meeting with its host and its attendees (as one JSON array, in list order) in one row, so a
 * page of meetings, or one meeting, costs one statement and one round trip whatever its size.
 */
const viewColumns = {
  meeting: meetings,
  host: { id: users.id, name: users.name, email: users.email },
  attendees: sql<AttendeeView[] | string>`coalesce((
    select json_agg(json_build_object('email', a.email, 'name', a.name, 'userId', a.user_id) order by a.position)
    from ${meetingAttendees} a where a.meeting_id = ${meetings.id}), '[]'::json)`,
};

interface ViewRow {
  meeting: typeof meetings.$inferSelect;
  host: { id: string; name: string; email: string };
  attendees: AttendeeView[] | string;
}

function toView(r: ViewRow): MeetingView {
  // Both drivers parse json; a driver configured otherwise would hand over text.
  const attendees =
    typeof r.attendees === 'string' ? (JSON.parse(r.attendees) as AttendeeView[]) : r.attendees;
  return toMeetingView(r.meeting, r.host, attendees);
}

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
    .select({ ...viewColumns, at: page.at })
    .from(page)
    .innerJoin(meetings, eq(meetings.id, page.id))
    .innerJoin(users, eq(users.id, meetings.hostId))
    .orderBy(dir(page.at), dir(page.id));
}

export async function loadMeetingPage(
  db: Database,
  access: MeetingAccess,
  q: MeetingPageQuery,
): Promise<{ view: MeetingView; at: Date }[]> {
  const rows = (await meetingPageQuery(db, access, q)) as (ViewRow & { at: Date | string | null })[];
  return rows.map((r) => ({ view: toView(r), at: r.at instanceof Date ? r.at : new Date(r.at as string) }));
}

/** One meeting if the access reaches it, else null (the caller answers NOT_FOUND either way). */
export async function loadVisibleMeetingView(
  db: Database,
  access: MeetingAccess,
  id: string,
): Promise<MeetingView | null> {
  const [row] = await db
    .select(viewColumns)
    .from(meetings)
    .innerJoin(users, eq(users.id, meetings.hostId))
    .where(and(eq(meetings.id, id), meetingVisibleCondition(access)));
  return row ? toView(row) : null;
}
