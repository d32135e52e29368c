import { asc, eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { meetingAttendees } from '../schema';
import type { AttendeeRow } from './store';

/** The meeting's attendee rows in their order. */
export async function selectAttendeeRows(tx: Database, meetingId: string): Promise<AttendeeRow[]> {
  return tx
    .select({
      email: meetingAttendees.email,
      name: meetingAttendees.name,
      userId: meetingAttendees.userId,
    })
    .from(meetingAttendees)
    .where(eq(meetingAttendees.meetingId, meetingId))
    .orderBy(asc(meetingAttendees.position));
}
