import { type Bundle, defineTrigger, type ZObject } from 'zapier-platform-core';
import { listMeetings } from '../keyhole-api.js';
import { meetingOutputFields, meetingSample, toZapierMeeting } from '../meeting-output.js';
import { pollLimit } from '../poll-limit.js';
import { restHook } from '../rest-hook.js';
import { verifiedMeeting } from '../webhook-delivery.js';

/**
 * Newest meetings first by creation, in one request: the editor's samples (and what a poll would see).
 * Zapier deduplicates on `id`, so a meeting that becomes visible later (made non-private, Mo added as
 * attendee) triggers on the next poll that sees it.
 */
const performList = async (z: ZObject, bundle: Bundle) => {
  const page = await listMeetings(z, { limit: pollLimit(bundle), orderBy: 'createdAt', direction: 'desc' });
  return page.items.map(toZapierMeeting);
};

/**
 * One `meeting.created` delivery: the meeting in its payload, no request. Deliveries come at least once;
 * Zapier drops a repeat by its `id`, the meeting id.
 */
const perform = async (_z: ZObject, bundle: Bundle) => {
  const meeting = verifiedMeeting(bundle, 'meeting.created');
  return meeting ? [toZapierMeeting(meeting)] : [];
};

export default defineTrigger({
  key: 'new_meeting',
  noun: 'Meeting',
  display: {
    label: 'New Meeting',
    description: 'Triggers when a new meeting of yours is added.',
  },
  operation: {
    type: 'hook',
    perform,
    performList,
    ...restHook('meeting.created'),
    sample: meetingSample,
    outputFields: meetingOutputFields,
  },
});
