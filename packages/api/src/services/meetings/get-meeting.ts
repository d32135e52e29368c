import type { MeetingAccess } from '@keyhole/core';
import type { AppDeps } from '../../deps';
import { loadVisibleMeetingView } from './load-visible-meeting';
import { meetingNotFound } from './not-found';
import type { MeetingView } from './views';

export async function getMeeting(deps: AppDeps, access: MeetingAccess, id: string): Promise<MeetingView> {
  const view = await loadVisibleMeetingView(deps.db, access, id);
  if (!view) throw meetingNotFound();
  return view;
}
