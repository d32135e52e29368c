import { type Bundle, defineTrigger, type ZObject } from 'zapier-platform-core';
import { listMeetings } from '../keyhole-api.js';
import { meetingOutputFields, meetingSample, toZapierMeeting } from '../meeting-output.js';
import { pollLimit } from '../poll-limit.js';

/**
 * Newest meetings first by creation, in one request. Zapier deduplicates on `id`, so a meeting that
 * becomes visible later (made non-private, Mo added as attendee) triggers on the next poll that sees it.
 */
const perform = async (z: ZObject, bundle: Bundle) => {
  const page = await listMeetings(z, { limit: pollLimit(bundle), orderBy: 'createdAt', direction: 'desc' });
  return page.items.map(toZapierMeeting);
};

export default defineTrigger({
  key: 'new_meeting',
  noun: 'Meeting',
  display: {
    label: 'New Meeting',
    description: 'Triggers when a new meeting of yours is added.',
  },
  operation: {
    type: 'polling',
    perform,
    sample: meetingSample,
    outputFields: meetingOutputFields,
  },
});
