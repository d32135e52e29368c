import type { MeetingAccess } from '@keyhole/core';
import { and, asc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/create-database';
import { meetingVisibleCondition } from '../../db/meeting-access-sql';
import { meetingAttendees, meetings, users } from '../../db/schema';
import { type MeetingView, toMeetingView } from './views';

/**
 * Meetings with their hosts and attendees in two queries whatever the page size (meetings joined to
 * hosts, then every attendee of the page), so a page never costs a query per meeting. The access
 * condition is applied again here: a meeting made private between the id scan and this read drops out.
 */
async function loadViews(db: Database, where: SQL): Promise<Map<string, MeetingView>> {
  const rows = await db
    .select({
      meeting: meetings,
      host: { id: users.id, name: users.name, email: users.email },
    })
    .from(meetings)
    .innerJoin(users, eq(users.id, meetings.hostId))
    .where(where);
  const out = new Map<string, MeetingView>();
  if (rows.length === 0) return out;
  const attendees = await db
    .select({
      meetingId: meetingAttendees.meetingId,
      email: meetingAttendees.email,
      name: meetingAttendees.name,
      userId: meetingAttendees.userId,
    })
    .from(meetingAttendees)
    .where(
      inArray(
        meetingAttendees.meetingId,
        rows.map((r) => r.meeting.id),
      ),
    )
    .orderBy(asc(meetingAttendees.meetingId), asc(meetingAttendees.position));
  const byMeeting = new Map<string, typeof attendees>();
  for (const a of attendees) {
    const list = byMeeting.get(a.meetingId);
    if (list) list.push(a);
    else byMeeting.set(a.meetingId, [a]);
  }
  for (const r of rows)
    out.set(r.meeting.id, toMeetingView(r.meeting, r.host, byMeeting.get(r.meeting.id) ?? []));
  return out;
}

/** The given meetings in the given order, skipping any the access no longer reaches. */
export async function loadVisibleMeetingViews(
  db: Database,
  access: MeetingAccess,
  ids: string[],
): Promise<MeetingView[]> {
  if (ids.length === 0) return [];
  const views = await loadViews(db, and(inArray(meetings.id, ids), meetingVisibleCondition(access))!);
  return ids.map((id) => views.get(id)).filter((v) => v !== undefined);
}

export async function loadVisibleMeetingView(
  db: Database,
  access: MeetingAccess,
  id: string,
): Promise<MeetingView | null> {
  const views = await loadViews(db, and(eq(meetings.id, id), meetingVisibleCondition(access))!);
  return views.get(id) ?? null;
}
