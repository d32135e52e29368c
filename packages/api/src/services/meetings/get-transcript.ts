import type { MeetingAccess } from '@keyhole/core';
import { and, eq } from 'drizzle-orm';
import { meetingVisibleCondition } from '../../db/meeting-access-sql';
import { meetings, transcripts } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { meetingNotFound } from './not-found';
import { type TranscriptView, toTranscriptView } from './views';

/** The transcript of a visible meeting; a meeting without one answers an empty list, not an error. */
export async function getTranscript(
  deps: AppDeps,
  access: MeetingAccess,
  id: string,
): Promise<TranscriptView> {
  const [row] = await deps.db
    .select({ id: meetings.id, segments: transcripts.segments })
    .from(meetings)
    .leftJoin(transcripts, eq(transcripts.meetingId, meetings.id))
    .where(and(eq(meetings.id, id), meetingVisibleCondition(access)));
  if (!row) throw meetingNotFound();
  return toTranscriptView(row.id, row.segments);
}
