/**
 * The wire shapes this integration reads (SPEC §5). Written out here rather than imported, because Zapier
 * builds the app on its own without the workspace; test/definition.test.ts checks at compile time that
 * they still equal what the API's router returns.
 */
export type KeyScope = 'user_limited' | 'user_full' | 'org_limited' | 'org_full' | 'legacy';

type MeetingState = 'scheduled' | 'in_progress' | 'completed' | 'cancelled';

export interface Meeting {
  id: string;
  subject: string;
  startAt: string;
  endAt: string;
  durationSeconds: number;
  state: MeetingState;
  isPrivate: boolean;
  host: { id: string; name: string; email: string };
  attendees: { email: string; name: string; userId: string | null }[];
  transcriptReady: boolean;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface TranscriptSegment {
  speaker: string;
  startSeconds: number;
  endSeconds: number;
  text: string;
}

/** `meetings.transcript`: an empty list when the meeting has no transcript. */
export interface Transcript {
  meetingId: string;
  segments: TranscriptSegment[];
}

export interface MeetingPage {
  items: Meeting[];
  nextCursor: string | null;
}

export interface WhoAmI {
  key: { id: string; name: string; scope: KeyScope; clientKey: string };
  org: { id: string; name: string };
  issuedTo: { id: string; name: string; email: string } | null;
}

/** SPEC §11: what a subscription is sent. */
export type WebhookEvent = 'meeting.created' | 'meeting.updated' | 'meeting.completed';

/** `webhooks.subscribe` / `webhooks.list`: one subscription of the calling key (`WebhookView`). */
export interface WebhookSubscription {
  id: string;
  keyId: string;
  url: string;
  events: WebhookEvent[];
  enabled: boolean;
  disabledReason: 'failures' | 'admin' | 'key_leaked' | null;
  createdAt: string;
}

/** `webhooks.subscribe`: the secret is shown once, here, and never again. */
export interface WebhookSubscribed {
  subscription: WebhookSubscription;
  secret: string;
}

/** The JSON body of one delivery: `data` is the meeting as the subscription's key reads it when sent. */
export interface WebhookPayload {
  type: WebhookEvent;
  timestamp: string;
  data: Meeting;
}

/** `meetings.list` input, as far as the triggers use it. */
export interface MeetingListInput {
  limit: number;
  orderBy: 'createdAt' | 'completedAt';
  direction: 'desc';
  state?: MeetingState;
}

/** The `error` of every tRPC failure (docs/API.md, Errors). */
export interface TrpcError {
  message: string;
  code: number;
  data?: { code?: string; httpStatus?: number; path?: string; reason?: string };
}
