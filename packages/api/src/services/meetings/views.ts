import type { MeetingState } from '@keyhole/core';
import type { MeetingWithPeople } from '../../db/meetings/page-statement';

/** SPEC §5 `Meeting`, exactly as it goes on the wire: dates as ISO-8601 strings in UTC. */
export interface MeetingView {
  id: string;
  subject: string;
  startAt: string;
  endAt: string;
  durationSeconds: number;
  state: MeetingState;
  isPrivate: boolean;
  host: { id: string; name: string; email: string };
  attendees: { email: string; name: string; userId: string | null }[];
  transcriptReady: boolean;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface TranscriptSegmentView {
  speaker: string;
  startSeconds: number;
  endSeconds: number;
  text: string;
}

export interface TranscriptView {
  meetingId: string;
  segments: TranscriptSegmentView[];
}

export interface MeetingPageView {
  items: MeetingView[];
  nextCursor: string | null;
}

/** A meeting as the database read it (page-statement.ts), as it goes on the wire. */
export function toMeetingView({ meeting: m, host, attendees }: MeetingWithPeople): MeetingView {
  return {
    id: m.id,
    subject: m.subject,
    startAt: m.startAt.toISOString(),
    endAt: m.endAt.toISOString(),
    // Whole seconds: the stored times have millisecond precision, the field promises seconds.
    durationSeconds: Math.floor((m.endAt.getTime() - m.startAt.getTime()) / 1000),
    state: m.state,
    isPrivate: m.isPrivate,
    host: { id: host.id, name: host.name, email: host.email },
    attendees: attendees.map((a) => ({ email: a.email, name: a.name, userId: a.userId })),
    transcriptReady: m.transcriptReady,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
    completedAt: m.completedAt ? m.completedAt.toISOString() : null,
  };
}

export function toTranscriptView(
  meetingId: string,
  segments: TranscriptSegmentView[] | null,
): TranscriptView {
  return {
    meetingId,
    segments: (segments ?? []).map((s) => ({
      speaker: s.speaker,
      startSeconds: s.startSeconds,
      endSeconds: s.endSeconds,
      text: s.text,
    })),
  };
}
