import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { meetingAttendees, meetings, type TranscriptSegment, transcripts } from '../schema';

export interface AttendeeRow {
  email: string;
  name: string;
  userId: string | null;
}

export interface NewMeetingRow {
  id?: string;
  orgId: string;
  hostId: string;
  subject: string;
  startAt: Date;
  endAt: Date;
  state: 'scheduled' | 'in_progress' | 'completed' | 'cancelled';
  isPrivate: boolean;
  createdAt: Date;
  completedAt: Date | null;
  attendees: AttendeeRow[];
  transcript?: TranscriptSegment[] | null;
}

/**
 * Writes a meeting with its attendee rows and their copies of its sort keys and private flag, used by
 * the meeting service, the demo seed and the tests alike so the copies can never drift from the
 * meeting. Two other writers keep the same invariant by hand: adding a member only links existing
 * attendee rows to the new user (`user_id`), and the benchmark bulk seed inserts rows with the copies
 * in plain SQL.
 */
export async function insertMeeting(db: Database, m: NewMeetingRow): Promise<string> {
  const [row] = await db
    .insert(meetings)
    .values({
      ...(m.id ? { id: m.id } : {}),
      orgId: m.orgId,
      hostId: m.hostId,
      subject: m.subject,
      startAt: m.startAt,
      endAt: m.endAt,
      state: m.state,
      isPrivate: m.isPrivate,
      transcriptReady: Boolean(m.transcript && m.transcript.length > 0),
      createdAt: m.createdAt,
      updatedAt: m.createdAt,
      completedAt: m.completedAt,
    })
    .returning({ id: meetings.id });
  const id = row!.id;
  await replaceAttendees(db, {
    id,
    isPrivate: m.isPrivate,
    startAt: m.startAt,
    createdAt: m.createdAt,
    completedAt: m.completedAt,
    attendees: m.attendees,
  });
  if (m.transcript && m.transcript.length > 0) {
    await db.insert(transcripts).values({ meetingId: id, segments: m.transcript, updatedAt: m.createdAt });
  }
  return id;
}

export async function replaceAttendees(
  db: Database,
  m: {
    id: string;
    isPrivate: boolean;
    startAt: Date;
    createdAt: Date;
    completedAt: Date | null;
    attendees: AttendeeRow[];
  },
): Promise<void> {
  await db.delete(meetingAttendees).where(eq(meetingAttendees.meetingId, m.id));
  if (m.attendees.length === 0) return;
  await db.insert(meetingAttendees).values(
    m.attendees.map((a, position) => ({
      meetingId: m.id,
      position,
      email: a.email,
      name: a.name,
      userId: a.userId,
      meetingIsPrivate: m.isPrivate,
      meetingStartAt: m.startAt,
      meetingCreatedAt: m.createdAt,
      meetingCompletedAt: m.completedAt,
    })),
  );
}

/** Keeps the attendee copies in step after the meeting's private flag or completion time changed. */
export async function syncAttendeeCopies(
  db: Database,
  meetingId: string,
  fields: { isPrivate: boolean; completedAt: Date | null },
): Promise<void> {
  await db
    .update(meetingAttendees)
    .set({ meetingIsPrivate: fields.isPrivate, meetingCompletedAt: fields.completedAt })
    .where(eq(meetingAttendees.meetingId, meetingId));
}

export interface MeetingChange {
  id: string;
  subject: string;
  state: 'scheduled' | 'in_progress' | 'completed' | 'cancelled';
  isPrivate: boolean;
  updatedAt: Date;
  completedAt: Date | null;
  /** The meeting's fixed sort keys, copied to attendee rows when they are rewritten. */
  startAt: Date;
  createdAt: Date;
  /** A new attendee list replaces the old one; left out, the old rows only get their copies refreshed. */
  attendees?: AttendeeRow[];
  /** A new transcript replaces the old one; an empty list removes it; left out, it stays. */
  transcript?: TranscriptSegment[];
}

/** Updates a meeting and, in the same breath, the attendee copies and the transcript that hang off it. */
export async function updateMeetingRow(db: Database, m: MeetingChange): Promise<void> {
  await db
    .update(meetings)
    .set({
      subject: m.subject,
      state: m.state,
      isPrivate: m.isPrivate,
      updatedAt: m.updatedAt,
      completedAt: m.completedAt,
      ...(m.transcript !== undefined ? { transcriptReady: m.transcript.length > 0 } : {}),
    })
    .where(eq(meetings.id, m.id));
  if (m.attendees !== undefined) {
    await replaceAttendees(db, {
      id: m.id,
      isPrivate: m.isPrivate,
      startAt: m.startAt,
      createdAt: m.createdAt,
      completedAt: m.completedAt,
      attendees: m.attendees,
    });
  } else {
    await syncAttendeeCopies(db, m.id, { isPrivate: m.isPrivate, completedAt: m.completedAt });
  }
  if (m.transcript !== undefined) {
    if (m.transcript.length === 0) {
      await db.delete(transcripts).where(eq(transcripts.meetingId, m.id));
    } else {
      await db
        .insert(transcripts)
        .values({ meetingId: m.id, segments: m.transcript, updatedAt: m.updatedAt })
        .onConflictDoUpdate({
          target: transcripts.meetingId,
          set: { segments: m.transcript, updatedAt: m.updatedAt },
        });
    }
  }
}
