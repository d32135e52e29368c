import type { MeetingAccess } from '@keyhole/core';
import type { Database } from '../../db';
import { selectVisibleMeeting } from '../../db/meetings/visible-meeting';
import { type MeetingView, toMeetingView } from './views';

/** One meeting if the access reaches it, else null (the caller answers NOT_FOUND either way). */
export async function loadVisibleMeetingView(
  db: Database,
  access: MeetingAccess,
  id: string,
): Promise<MeetingView | null> {
  const row = await selectVisibleMeeting(db, access, id);
  return row ? toMeetingView(row) : null;
}
