import type { PlainOutputField } from 'zapier-platform-core';
import type { TranscriptSegment } from './keyhole-types.js';

/** The transcript as Zapier hands it on: one text to paste anywhere, and the segments to loop over. */
export interface ZapierTranscriptFields {
  transcriptText: string;
  transcriptSegments: TranscriptSegment[];
}

/**
 * One line per segment, `Speaker: text`, in the order the words were spoken (by start time; segments
 * that start together keep the API's order). What a CRM note, a Slack message or an LLM prompt wants.
 */
export function transcriptFields(segments: TranscriptSegment[]): ZapierTranscriptFields {
  const ordered = segments
    .map((segment, index) => ({ segment, index }))
    .sort((a, b) => a.segment.startSeconds - b.segment.startSeconds || a.index - b.index)
    .map(({ segment }) => ({
      speaker: segment.speaker,
      startSeconds: segment.startSeconds,
      endSeconds: segment.endSeconds,
      text: segment.text,
    }));
  return {
    transcriptText: ordered.map((s) => `${s.speaker}: ${s.text}`).join('\n'),
    transcriptSegments: ordered,
  };
}

/** Labels for the transcript fields, as Zapier flattens them (`transcriptSegments[]speaker`). */
export const transcriptOutputFields = [
  { key: 'transcriptText', label: 'Transcript Text', type: 'string' },
  { key: 'transcriptSegments[]speaker', label: 'Transcript Segment Speaker', type: 'string' },
  { key: 'transcriptSegments[]startSeconds', label: 'Transcript Segment Start (Seconds)', type: 'number' },
  { key: 'transcriptSegments[]endSeconds', label: 'Transcript Segment End (Seconds)', type: 'number' },
  { key: 'transcriptSegments[]text', label: 'Transcript Segment Text', type: 'string' },
] satisfies PlainOutputField[];

export const transcriptSample: ZapierTranscriptFields = transcriptFields([
  {
    speaker: 'Mo Ibrahim',
    startSeconds: 0,
    endSeconds: 6.5,
    text: 'Thanks for joining. Shall we start with the pipeline?',
  },
  {
    speaker: 'Dana',
    startSeconds: 6.5,
    endSeconds: 14,
    text: 'Yes: we signed two renewals this week and one is still open.',
  },
  {
    speaker: 'Pia Lind',
    startSeconds: 14,
    endSeconds: 19.25,
    text: 'I will send the open one a proposal by Friday.',
  },
]);
