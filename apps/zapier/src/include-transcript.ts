import type { Bundle } from 'zapier-platform-core';

/** The "Include transcript" input field of Meeting Completed (SPEC §8): default yes. */
export const includeTranscriptField = {
  key: 'includeTranscript',
  label: 'Include transcript',
  type: 'boolean',
  default: 'yes',
  required: false,
  helpText:
    'Adds the meeting’s transcript: **Transcript Text** (one `Speaker: words` line per segment, in order) ' +
    'and **Transcript Segments** (speaker, start and end in seconds, text). Choose **No** if your Zap ' +
    'does not use it: each meeting then costs Keyhole one request less.',
} as const;

const NO = new Set(['false', 'no', 'n', '0', 'off']);

/** Zapier stores a boolean field as `true`/`false` or `yes`/`no`; unset (Zaps made before the field) is yes. */
export function wantsTranscript(bundle: Pick<Bundle, 'inputData'>): boolean {
  const value = (bundle.inputData as Record<string, unknown> | undefined)?.[includeTranscriptField.key];
  if (value === false || value === 0) return false;
  return !(typeof value === 'string' && NO.has(value.trim().toLowerCase()));
}
