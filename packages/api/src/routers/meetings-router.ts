import { createMeeting } from '../services/meetings/create-meeting';
import { getMeeting } from '../services/meetings/get-meeting';
import { getTranscript } from '../services/meetings/get-transcript';
import { listMeetings, type MeetingReader } from '../services/meetings/list-meetings';
import { updateMeeting } from '../services/meetings/update-meeting';
import { idempotent } from '../trpc/idempotency';
import { largeRead } from '../trpc/large-read';
import { keyOrSessionProcedure, type ReaderContext, router, sessionProcedure } from '../trpc/trpc';
import {
  createMeetingInput,
  listMeetingsInput,
  MEETING_BOUNDS,
  meetingIdInput,
  updateMeetingInput,
} from './meetings-inputs';

/** Cursors are bound to the key (not its scope) or the signed-in user, inside their org. */
function meetingReader(reader: ReaderContext): MeetingReader {
  const who = reader.key ? `key:${reader.key.id}` : `user:${reader.user?.id ?? ''}`;
  return { access: reader.access, owner: `org:${reader.org.id}:${who}` };
}

export const meetingsRouter = router({
  create: sessionProcedure
    .input(createMeetingInput)
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => createMeeting(ctx.deps, ctx.actor, input, write)),
    ),
  update: sessionProcedure
    .input(updateMeetingInput)
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => updateMeeting(ctx.deps, ctx.actor, input, write)),
    ),
  list: keyOrSessionProcedure
    .input(listMeetingsInput)
    .query(({ ctx, input }) =>
      largeRead(ctx, input.limit ?? MEETING_BOUNDS.pageDefault, () =>
        listMeetings(ctx.deps, meetingReader(ctx.reader), input),
      ),
    ),
  get: keyOrSessionProcedure
    .input(meetingIdInput)
    .query(({ ctx, input }) => largeRead(ctx, 1, () => getMeeting(ctx.deps, ctx.reader.access, input.id))),
  transcript: keyOrSessionProcedure.input(meetingIdInput).query(({ ctx, input }) =>
    // A transcript is bounded by the 1 MiB body it came in: about eight of the largest meetings.
    largeRead(ctx, 8, () => getTranscript(ctx.deps, ctx.reader.access, input.id)),
  ),
});
