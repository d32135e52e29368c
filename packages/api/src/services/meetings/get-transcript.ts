import type { MeetingAccess } from '@keyhole/core';
import type { Database } from '../../db';
import { selectVisibleTranscript } from '../../db/meetings/visible-meeting';
import { meetingNotFound } from './not-found';
import { type TranscriptView, toTranscriptView } from './views';

/** The transcript of a visible meeting; a meeting without one answers an empty list, not an error. */
export async function getTranscript(
  db: Database,
  access: MeetingAccess,
  id: string,
): Promise<TranscriptView> {
  const row = await selectVisibleTranscript(db, access, id);
  if (!row) throw meetingNotFound();
  return toTranscriptView(row.id, row.segments);
}
