import { createRequire } from 'node:module';
import { defineApp, version as platformVersion } from 'zapier-platform-core';
import authentication from './authentication.js';
import { addBaseUrlAndApiKey, handleApiErrors } from './middleware.js';
import findMeeting from './searches/find-meeting.js';
import findTranscript from './searches/find-transcript.js';
import meetingCompleted from './triggers/meeting-completed.js';
import newMeeting from './triggers/new-meeting.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export default defineApp({
  version,
  platformVersion,
  authentication,
  beforeRequest: [addBaseUrlAndApiKey],
  afterResponse: [handleApiErrors],
  triggers: {
    [newMeeting.key]: newMeeting,
    [meetingCompleted.key]: meetingCompleted,
  },
  searches: {
    [findMeeting.key]: findMeeting,
    [findTranscript.key]: findTranscript,
  },
});
