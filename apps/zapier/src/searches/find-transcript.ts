import { type Bundle, defineSearch, type ZObject } from 'zapier-platform-core';
import { getTranscript } from '../keyhole-api.js';
import { meetingIdField, meetingIdFrom } from '../meeting-id-input.js';
import { meetingSample } from '../meeting-output.js';
import { orNothingFound } from '../not-found.js';
import { transcriptFields, transcriptOutputFields, transcriptSample } from '../transcript-output.js';

/**
 * One `meetings.transcript`. "Nothing found" (`[]`) when the meeting is not one this key may read, and
 * when it has no transcript (yet): there is nothing to hand on.
 */
const perform = async (z: ZObject, bundle: Bundle) => {
  const transcript = await orNothingFound(getTranscript(z, meetingIdFrom(z, bundle.inputData)));
  if (!transcript || transcript.segments.length === 0) return [];
  return [
    { id: transcript.meetingId, meetingId: transcript.meetingId, ...transcriptFields(transcript.segments) },
  ];
};

export default defineSearch({
  key: 'find_transcript',
  noun: 'Transcript',
  display: {
    label: 'Find Transcript',
    description: 'Finds the transcript of one of your meetings.',
  },
  operation: {
    inputFields: [meetingIdField],
    perform,
    sample: { id: meetingSample.id, meetingId: meetingSample.id, ...transcriptSample },
    outputFields: [
      { key: 'id', label: 'ID', type: 'string' },
      { key: 'meetingId', label: 'Meeting ID', type: 'string' },
      ...transcriptOutputFields,
    ],
  },
});
