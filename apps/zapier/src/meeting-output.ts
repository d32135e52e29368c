import type { PlainOutputField } from 'zapier-platform-core';
import type { Meeting } from './keyhole-types.js';

/**
 * Labels for every field of a meeting as Zapier flattens it: nested objects with `__`
 * (`host__email`), lists of objects with `[]` (`attendees[]email`).
 */
export const meetingOutputFields = [
  { key: 'id', label: 'Meeting ID', type: 'string' },
  { key: 'subject', label: 'Subject', type: 'string' },
  { key: 'startAt', label: 'Start Time', type: 'datetime' },
  { key: 'endAt', label: 'End Time', type: 'datetime' },
  { key: 'durationSeconds', label: 'Duration (Seconds)', type: 'integer' },
  { key: 'state', label: 'State', type: 'string' },
  { key: 'isPrivate', label: 'Private', type: 'boolean' },
  { key: 'host__id', label: 'Host User ID', type: 'string' },
  { key: 'host__name', label: 'Host Name', type: 'string' },
  { key: 'host__email', label: 'Host Email', type: 'string' },
  { key: 'attendees[]email', label: 'Attendee Email', type: 'string' },
  { key: 'attendees[]name', label: 'Attendee Name', type: 'string' },
  { key: 'attendees[]userId', label: 'Attendee User ID', type: 'string' },
  { key: 'transcriptReady', label: 'Transcript Ready', type: 'boolean' },
  { key: 'createdAt', label: 'Created At', type: 'datetime' },
  { key: 'updatedAt', label: 'Updated At', type: 'datetime' },
  { key: 'completedAt', label: 'Completed At', type: 'datetime' },
] satisfies PlainOutputField[];

/** Shown in the Zap editor when the user has no meeting to test with yet. */
export const meetingSample = {
  id: '6f1c2b7e-3d4a-4c8e-9b1f-2a7d5e0c9b34',
  subject: 'Pipeline review',
  startAt: '2026-01-20T15:00:00.000Z',
  endAt: '2026-01-20T15:45:00.000Z',
  durationSeconds: 2700,
  state: 'completed',
  isPrivate: false,
  host: { id: '1e243855-e684-43d4-9f00-94cf9ec73b31', name: 'Mo Ibrahim', email: 'mo@example.com' },
  attendees: [
    { email: 'pia@example.com', name: 'Pia Lind', userId: 'c142fccd-c42b-4b4c-abfd-952ff2fa62be' },
    { email: 'dana@customer.example', name: 'Dana', userId: null },
  ],
  transcriptReady: true,
  createdAt: '2026-01-15T12:00:00.000Z',
  updatedAt: '2026-01-20T15:46:10.000Z',
  completedAt: '2026-01-20T15:46:10.000Z',
} satisfies Meeting;

// ISO-8601 in UTC with its `Z`, whatever offset the value came with (Zapier reads the zone from it).
const isoWithZone = (value: string) => new Date(value).toISOString();

/** What a trigger hands Zapier for one meeting: the API's fields, `id` = the meeting id. */
export function toZapierMeeting(meeting: Meeting): Meeting {
  return {
    ...meeting,
    startAt: isoWithZone(meeting.startAt),
    endAt: isoWithZone(meeting.endAt),
    createdAt: isoWithZone(meeting.createdAt),
    updatedAt: isoWithZone(meeting.updatedAt),
    completedAt: meeting.completedAt === null ? null : isoWithZone(meeting.completedAt),
  };
}
