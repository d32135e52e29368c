import type { MeetingAccess } from '@keyhole/core';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { meetings, type TranscriptSegment, transcripts, users } from '../schema';
import { meetingVisibleCondition } from './access-sql';
import { type MeetingWithPeople, meetingViewColumns, parseAttendees } from './page-statement';

/** One meeting with its host and attendees if the access reaches it, else null. */
export async function selectVisibleMeeting(
  db: Database,
  access: MeetingAccess,
  id: string,
): Promise<MeetingWithPeople | null> {
  const [row] = await db
    .select(meetingViewColumns)
    .from(meetings)
    .innerJoin(users, eq(users.id, meetings.hostId))
    .where(and(eq(meetings.id, id), meetingVisibleCondition(access)));
  return row ? { meeting: row.meeting, host: row.host, attendees: parseAttendees(row.attendees) } : null;
}

/**
 * The transcript segments of a meeting if the access reaches it (null segments: it has none yet),
 * else null.
 */
export async function selectVisibleTranscript(
  db: Database,
  access: MeetingAccess,
  id: string,
): Promise<{ id: string; segments: TranscriptSegment[] | null } | null> {
  const [row] = await db
    .select({ id: meetings.id, segments: transcripts.segments })
    .from(meetings)
    .leftJoin(transcripts, eq(transcripts.meetingId, meetings.id))
    .where(and(eq(meetings.id, id), meetingVisibleCondition(access)));
  return row ?? null;
}
