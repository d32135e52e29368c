/**
 * @keyhole/client: a typed tRPC client for the procedures an API key may call. Its types are plain
 * declarations of the wire shapes (public-router.ts), proven equal to the server's router by a test,
 * so nothing of the server ships with it.
 */
export { TRPCClientError } from '@trpc/client';
export {
  createKeyholeClient,
  type KeyholeClient,
  type KeyholeClientOptions,
  MAX_BATCH,
} from './create-client';
export { trpcEndpoint } from './endpoint';
export {
  errorReason,
  isKeyholeClientError,
  type KeyholeClientError,
  KeyholeError,
  keyholeErrorLink,
  NotAnApiAnswerError,
} from './errors';
export { listAllMeetings, type MeetingLister, meetingPages, type PagingOptions } from './pagination';
export type {
  Health,
  KeyholeErrorData,
  KeyholeErrorShape,
  KeyScope,
  ListMeetingsInput,
  Meeting,
  MeetingIdInput,
  MeetingPage,
  MeetingState,
  OpaqueServerContext,
  PublicRouter,
  RouterInputs,
  RouterOutputs,
  Transcript,
  TranscriptSegment,
  WhoAmI,
} from './public-router';
export { type RateLimit, readRateLimit } from './rate-limit';
