import type { MeetingAccess } from '@keyhole/core';
import type { Database } from '../../db';
import { loadVisibleMeetingView } from './load-meeting-views';
import { meetingNotFound } from './not-found';
import type { MeetingView } from './views';

export async function getMeeting(db: Database, access: MeetingAccess, id: string): Promise<MeetingView> {
  const view = await loadVisibleMeetingView(db, access, id);
  if (!view) throw meetingNotFound();
  return view;
}
