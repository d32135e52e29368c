import type { ZObject } from 'zapier-platform-core';
import { MEETING_ID_PATTERN } from './constants.js';

/** The one input of both searches: a meeting id, mapped from a Keyhole trigger or search. */
export const meetingIdField = {
  key: 'meetingId',
  label: 'Meeting ID',
  type: 'string',
  required: true,
  helpText:
    'The Keyhole meeting ID, e.g. `6f1c2b7e-3d4a-4c8e-9b1f-2a7d5e0c9b34`. Map **Meeting ID** from a ' +
    'Keyhole trigger (New Meeting, Meeting Completed) or search.',
} as const;

/**
 * The id from the search's input, trimmed. Something that cannot be a meeting id is a mapping mistake
 * the user should hear about, not a quiet "nothing found"; no request is sent for it.
 */
export function meetingIdFrom(z: ZObject, inputData: Record<string, unknown> | undefined): string {
  const raw = inputData?.[meetingIdField.key];
  const id = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
  if (!MEETING_ID_PATTERN.test(id)) {
    throw new z.errors.Error(
      id
        ? `“${id.length > 60 ? `${id.slice(0, 60)}…` : id}” is not a Keyhole meeting ID. A meeting ID looks ` +
            'like 6f1c2b7e-3d4a-4c8e-9b1f-2a7d5e0c9b34: map the Meeting ID field from a Keyhole trigger or search.'
        : 'Meeting ID is empty: map the Meeting ID field from a Keyhole trigger or search.',
      'invalid_meeting_id',
      400,
    );
  }
  return id;
}
