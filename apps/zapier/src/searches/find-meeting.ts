import { type Bundle, defineSearch, type ZObject } from 'zapier-platform-core';
import { getMeeting } from '../keyhole-api.js';
import { meetingIdField, meetingIdFrom } from '../meeting-id-input.js';
import { meetingOutputFields, meetingSample, toZapierMeeting } from '../meeting-output.js';
import { orNothingFound } from '../not-found.js';

/** One `meetings.get`. Zapier reads `[]` as "nothing found": unknown, another user's or private alike. */
const perform = async (z: ZObject, bundle: Bundle) => {
  const meeting = await orNothingFound(getMeeting(z, meetingIdFrom(z, bundle.inputData)));
  return meeting ? [toZapierMeeting(meeting)] : [];
};

export default defineSearch({
  key: 'find_meeting',
  noun: 'Meeting',
  display: {
    label: 'Find Meeting',
    description: 'Finds one of your meetings by id.',
  },
  operation: {
    inputFields: [meetingIdField],
    perform,
    sample: meetingSample,
    outputFields: meetingOutputFields,
  },
});
