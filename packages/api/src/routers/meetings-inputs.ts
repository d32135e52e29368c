import {
  ATTENDEE_EMAIL_MAX_LENGTH,
  ATTENDEE_NAME_MAX_LENGTH,
  MEETING_ATTENDEES_MAX,
  MEETING_ORDER_BY,
  MEETING_STATES,
  MEETING_SUBJECT_MAX_LENGTH,
  SORT_DIRECTIONS,
} from '@keyhole/core';
import { z } from 'zod';
import { dateInput } from '../lib/date-input';
import { storableText } from '../lib/storable-text';
import type { CreateMeetingInput } from '../services/meetings/create-meeting';
import type { ListMeetingsInput } from '../services/meetings/list-meetings';
import type { UpdateMeetingInput } from '../services/meetings/update-meeting';

/**
 * The meetings procedures' inputs; each schema's output is checked against the type its service takes. Every bound is stated here once and repeated in docs/API.md; the
 * HTTP body limit (1 MiB) may cut a request off before these do (`PAYLOAD_TOO_LARGE`).
 */
export const MEETING_BOUNDS = {
  attendees: MEETING_ATTENDEES_MAX,
  attendeeName: ATTENDEE_NAME_MAX_LENGTH,
  email: ATTENDEE_EMAIL_MAX_LENGTH,
  segments: 5000,
  segmentText: 10_000,
  speaker: 200,
  /** Segment times, in seconds from the start of the recording (a week). */
  segmentSeconds: 7 * 24 * 3600,
  pageMin: 1,
  pageMax: 100,
  pageDefault: 25,
  cursor: 1024,
} as const;

// Dates are bounded once for the whole API (1900 to 9999, after conversion to UTC).
const isoDateTime = dateInput;

const meetingId = z.guid({ error: 'expected a meeting id (a UUID)' });

const subject = storableText(
  z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(MEETING_SUBJECT_MAX_LENGTH, { error: `must be at most ${MEETING_SUBJECT_MAX_LENGTH} characters` }),
);

const attendee = z.strictObject({
  email: z
    .string()
    .trim()
    .max(MEETING_BOUNDS.email, { error: `must be at most ${MEETING_BOUNDS.email} characters` })
    .pipe(z.email({ error: 'expected an email address' })),
  name: storableText(
    z
      .string()
      .trim()
      .min(1, { error: 'must not be empty (leave it out to use the default)' })
      .max(MEETING_BOUNDS.attendeeName, {
        error: `must be at most ${MEETING_BOUNDS.attendeeName} characters`,
      }),
  ).optional(),
});

const seconds = z
  .number()
  .min(0, { error: 'must not be negative' })
  .max(MEETING_BOUNDS.segmentSeconds, { error: `must be at most ${MEETING_BOUNDS.segmentSeconds}` });

const segment = z
  .strictObject({
    speaker: storableText(
      z
        .string()
        .trim()
        .min(1, { error: 'must not be empty' })
        .max(MEETING_BOUNDS.speaker, { error: `must be at most ${MEETING_BOUNDS.speaker} characters` }),
    ),
    startSeconds: seconds,
    endSeconds: seconds,
    text: storableText(
      z.string().max(MEETING_BOUNDS.segmentText, {
        error: `must be at most ${MEETING_BOUNDS.segmentText} characters`,
      }),
    ),
  })
  .refine(
    (s) =>
      !(typeof s.startSeconds === 'number' && typeof s.endSeconds === 'number') ||
      s.endSeconds >= s.startSeconds,
    {
      path: ['endSeconds'],
      error: 'must not be before startSeconds',
    },
  );

const attendees = z
  .array(attendee)
  .max(MEETING_BOUNDS.attendees, { error: `at most ${MEETING_BOUNDS.attendees} attendees` });
const transcript = z
  .array(segment)
  .max(MEETING_BOUNDS.segments, { error: `at most ${MEETING_BOUNDS.segments} segments` });
const state = z.enum(MEETING_STATES, { error: `expected one of ${MEETING_STATES.join(', ')}` });

export const createMeetingInput = z
  .strictObject({
    subject,
    startAt: isoDateTime,
    endAt: isoDateTime,
    isPrivate: z.boolean().optional(),
    state: state.optional(),
    attendees: attendees.optional(),
    transcript: transcript.optional(),
  })
  // zod runs object refinements even when a field failed; then there is nothing to compare.
  .refine((m) => !(m.startAt instanceof Date && m.endAt instanceof Date) || m.endAt >= m.startAt, {
    path: ['endAt'],
    error: 'must not be before startAt',
  }) satisfies z.ZodType<CreateMeetingInput>;

// startAt and endAt are fixed once a meeting exists: they are keyset sort keys copied to attendee rows.
export const updateMeetingInput = z.strictObject({
  id: meetingId,
  subject: subject.optional(),
  isPrivate: z.boolean().optional(),
  state: state.optional(),
  attendees: attendees.optional(),
  /** Replaces the whole transcript; an empty list removes it. */
  transcript: transcript.optional(),
}) satisfies z.ZodType<UpdateMeetingInput>;

export const meetingIdInput = z.strictObject({ id: meetingId });

/** The list's fields alone: the REST face documents them as query parameters (rest/routes.ts). */
export const listMeetingsFields = z.strictObject({
  limit: z
    .int({ error: 'expected a whole number' })
    .min(MEETING_BOUNDS.pageMin, {
      error: `must be between ${MEETING_BOUNDS.pageMin} and ${MEETING_BOUNDS.pageMax}`,
    })
    .max(MEETING_BOUNDS.pageMax, {
      error: `must be between ${MEETING_BOUNDS.pageMin} and ${MEETING_BOUNDS.pageMax}`,
    })
    .default(MEETING_BOUNDS.pageDefault),
  cursor: z
    .string()
    .min(1, { error: 'must not be empty (leave it out for the first page)' })
    .max(MEETING_BOUNDS.cursor, { error: 'is not a cursor this server issued' })
    .optional(),
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  state: state.optional(),
  orderBy: z
    .enum(MEETING_ORDER_BY, { error: `expected one of ${MEETING_ORDER_BY.join(', ')}` })
    .default('startAt'),
  direction: z
    .enum(SORT_DIRECTIONS, { error: `expected one of ${SORT_DIRECTIONS.join(', ')}` })
    .default('desc'),
});

export const listMeetingsInput = listMeetingsFields
  .refine((q) => !(q.from instanceof Date && q.to instanceof Date) || q.to >= q.from, {
    path: ['to'],
    error: 'must not be before from (from is inclusive, to exclusive)',
  })
  // No input at all is the first page with every default.
  .prefault({}) satisfies z.ZodType<ListMeetingsInput>;
