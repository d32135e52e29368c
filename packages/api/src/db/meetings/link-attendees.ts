import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../create-database';
import { meetingAttendees, meetings } from '../schema';

/**
 * Links the org's attendee rows that list this email (whatever its case) and no user yet to the
 * user; the copies of the meeting's sort keys and private flag on those rows stay as they are.
 * Returns how many rows were linked.
 */
export async function linkAttendeesToUser(
  tx: Database,
  orgId: string,
  user: { id: string; email: string },
): Promise<number> {
  const linked = await tx
    .update(meetingAttendees)
    .set({ userId: user.id })
    .where(
      and(
        sql`lower(${meetingAttendees.email}) = lower(${user.email})`,
        isNull(meetingAttendees.userId),
        sql`${meetingAttendees.meetingId} in (select ${meetings.id} from ${meetings} where ${eq(meetings.orgId, orgId)})`,
      ),
    )
    .returning({ meetingId: meetingAttendees.meetingId });
  return linked.length;
}
