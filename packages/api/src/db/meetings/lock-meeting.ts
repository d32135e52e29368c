import type { MeetingAccess } from '@keyhole/core';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { meetings } from '../schema';
import { meetingVisibleCondition } from './access-sql';

export type MeetingRow = typeof meetings.$inferSelect;

/**
 * The meeting if the access reaches it, locked FOR UPDATE for the rest of the transaction (two
 * updates of one meeting then apply one after the other); undefined otherwise.
 */
export async function lockVisibleMeeting(
  tx: Database,
  access: MeetingAccess,
  id: string,
): Promise<MeetingRow | undefined> {
  const [current] = await tx
    .select()
    .from(meetings)
    .where(and(eq(meetings.id, id), meetingVisibleCondition(access)))
    .for('update');
  return current;
}
