import type { MeetingAccess } from '@keyhole/core';
import { selectVisibleTranscript } from '../../db/meetings/visible-meeting';
import type { AppDeps } from '../../deps';
import { meetingNotFound } from './not-found';
import { type TranscriptView, toTranscriptView } from './views';

/** The transcript of a visible meeting; a meeting without one answers an empty list, not an error. */
export async function getTranscript(
  deps: AppDeps,
  access: MeetingAccess,
  id: string,
): Promise<TranscriptView> {
  const row = await selectVisibleTranscript(deps.db, access, id);
  if (!row) throw meetingNotFound();
  return toTranscriptView(row.id, row.segments);
}
