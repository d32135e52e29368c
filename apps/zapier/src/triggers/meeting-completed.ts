import { type Bundle, defineTrigger, type ZObject } from 'zapier-platform-core';
import { listMeetings } from '../keyhole-api.js';
import { meetingOutputFields, meetingSample, toZapierMeeting } from '../meeting-output.js';
import { pollLimit } from '../poll-limit.js';

/**
 * Meetings now in the `completed` state, most recently completed first, in one request. `completedAt`
 * is set once and never moves, so a meeting triggers once even if it is reopened and completed again.
 */
const perform = async (z: ZObject, bundle: Bundle) => {
  const page = await listMeetings(z, {
    limit: pollLimit(bundle),
    state: 'completed',
    orderBy: 'completedAt',
    direction: 'desc',
  });
  return page.items.map(toZapierMeeting);
};

export default defineTrigger({
  key: 'meeting_completed',
  noun: 'Meeting',
  display: {
    label: 'Meeting Completed',
    description: 'Triggers when one of your meetings is completed.',
  },
  operation: {
    type: 'polling',
    perform,
    sample: meetingSample,
    outputFields: meetingOutputFields,
  },
});
