import { type Bundle, defineTrigger, type ZObject } from 'zapier-platform-core';
import { includeTranscriptField, wantsTranscript } from '../include-transcript.js';
import { getTranscript, getTranscripts, listMeetings } from '../keyhole-api.js';
import type { Meeting } from '../keyhole-types.js';
import { meetingOutputFields, meetingSample, toZapierMeeting } from '../meeting-output.js';
import { orNothingFound } from '../not-found.js';
import { pollLimit } from '../poll-limit.js';
import { restHook } from '../rest-hook.js';
import { transcriptFields, transcriptOutputFields, transcriptSample } from '../transcript-output.js';
import { verifiedMeeting } from '../webhook-delivery.js';

/**
 * The editor's samples (and what a poll would see): meetings now in the `completed` state, most
 * recently completed first. `completedAt` is set once and
 * never moves, so a meeting triggers once even if it is reopened and completed again.
 *
 * One request without the transcript; with it (the default), two: the list, then one batched request
 * for the transcripts of the listed meetings that have one (`transcriptReady`). While Zapier only
 * fills its deduplication list it uses nothing but the ids, so no transcript is read then.
 */
const performList = async (z: ZObject, bundle: Bundle) => {
  const page = await listMeetings(z, {
    limit: pollLimit(bundle),
    state: 'completed',
    orderBy: 'completedAt',
    direction: 'desc',
  });
  const meetings = page.items.map(toZapierMeeting);
  if (!wantsTranscript(bundle) || bundle.meta?.isPopulatingDedupe) return meetings;
  const withTranscript = meetings.filter((meeting) => meeting.transcriptReady).map((meeting) => meeting.id);
  const transcripts = await getTranscripts(z, withTranscript);
  return meetings.flatMap((meeting: Meeting) => {
    if (!meeting.transcriptReady) return [{ ...meeting, ...transcriptFields([]) }];
    const transcript = transcripts.get(meeting.id);
    // Gone between the two requests (made private, or out of the key's reach): never hand it on.
    if (!transcript) return [];
    return [{ ...meeting, ...transcriptFields(transcript.segments) }];
  });
};

/**
 * One `meeting.completed` delivery: the meeting comes from its payload, so without the transcript it
 * costs no request; with it, one `meetings.transcript`, which also re-checks that the key still reads
 * the meeting (made private since it was sent: nothing is handed on). A meeting without a transcript
 * gets the empty one without asking, as in `performList`.
 */
const perform = async (z: ZObject, bundle: Bundle) => {
  const delivered = verifiedMeeting(bundle, 'meeting.completed');
  if (!delivered) return [];
  const meeting = toZapierMeeting(delivered);
  if (!wantsTranscript(bundle)) return [meeting];
  if (!meeting.transcriptReady) return [{ ...meeting, ...transcriptFields([]) }];
  const transcript = await orNothingFound(getTranscript(z, meeting.id));
  if (!transcript) return [];
  return [{ ...meeting, ...transcriptFields(transcript.segments) }];
};

export default defineTrigger({
  key: 'meeting_completed',
  noun: 'Meeting',
  display: {
    label: 'Meeting Completed',
    description: 'Triggers when one of your meetings is completed.',
  },
  operation: {
    type: 'hook',
    inputFields: [includeTranscriptField],
    perform,
    performList,
    ...restHook('meeting.completed'),
    sample: { ...meetingSample, ...transcriptSample },
    outputFields: [...meetingOutputFields, ...transcriptOutputFields],
  },
});
