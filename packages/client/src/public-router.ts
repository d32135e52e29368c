/**
 * The API an API key may call, as plain types: what `createTRPCClient` needs and nothing of the
 * server. The server's own `AppRouter` type reaches its context (database, Redis, logger types) and
 * its zod schemas, which a published `.d.ts` would have to carry; these types are the wire shapes
 * only. apps/server/test/client/public-router.test.ts proves each one equal to `AppRouter`'s, so
 * drift fails `pnpm typecheck`.
 *
 * Only key procedures are here: every other procedure answers a key with FORBIDDEN (or, for
 * `auth.me`, null), so typing them for key holders would promise calls that cannot succeed.
 */
import type {
  inferRouterInputs,
  inferRouterOutputs,
  TRPC_ERROR_CODE_KEY,
  TRPC_ERROR_CODE_NUMBER,
  TRPCBuiltRouter,
  TRPCQueryProcedure,
} from '@trpc/server';

export type MeetingState = 'scheduled' | 'in_progress' | 'completed' | 'cancelled';
export type KeyScope = 'user_limited' | 'user_full' | 'org_limited' | 'org_full' | 'legacy';

export interface Health {
  ok: true;
  database: 'pglite' | 'postgres';
  version: string;
}

export interface WhoAmI {
  key: { id: string; name: string; scope: KeyScope; clientKey: string };
  org: { id: string; name: string };
  issuedTo: { id: string; name: string; email: string } | null;
}

/** A meeting as it goes on the wire: dates are ISO-8601 strings in UTC. */
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

export interface MeetingPage {
  items: Meeting[];
  /** Pass it back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface TranscriptSegment {
  speaker: string;
  startSeconds: number;
  endSeconds: number;
  text: string;
}

export interface Transcript {
  meetingId: string;
  segments: TranscriptSegment[];
}

export interface ListMeetingsInput {
  /** 1–100, default 25. */
  limit?: number | undefined;
  /** A page's `nextCursor`; bound to the `orderBy`, `direction` and filters it was issued with. */
  cursor?: string | undefined;
  /** ISO-8601 date-time with offset; bounds `startAt`, inclusive. */
  from?: string | undefined;
  /** ISO-8601 date-time with offset; bounds `startAt`, exclusive. */
  to?: string | undefined;
  state?: MeetingState | undefined;
  /** Default `startAt`; `completedAt` lists only meetings that have one. */
  orderBy?: 'startAt' | 'createdAt' | 'completedAt' | undefined;
  /** Default `desc`. */
  direction?: 'desc' | 'asc' | undefined;
}

export interface MeetingIdInput {
  id: string;
}

interface ErrorDataWithoutReason {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  path?: string | undefined;
}

// Spelled out rather than `ErrorDataWithoutReason & { reason }`: that intersection is the same
// type, but not to expectTypeOf, which the equality test with the server's shape relies on.
interface ErrorDataWithReason {
  reason: string;
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  path?: string | undefined;
}

/** What a failed call carries in `error.data`; `reason` is there when the API names one. */
export type KeyholeErrorData = ErrorDataWithoutReason | ErrorDataWithReason;

/** The server's error shape (its tRPC error formatter strips stacks and adds `reason`). */
export interface KeyholeErrorShape {
  message: string;
  code: TRPC_ERROR_CODE_NUMBER;
  data: KeyholeErrorData;
}

declare const serverContext: unique symbol;

/**
 * The server's request context, opaque on purpose: a client never builds or sees it, and naming its
 * real type would pull the server's dependencies into every consumer's type check.
 */
export interface OpaqueServerContext {
  readonly [serverContext]: true;
}

type Query<TInput, TOutput> = TRPCQueryProcedure<{
  meta: object;
  input: TInput;
  output: TOutput;
  errorShape: KeyholeErrorShape;
}>;

/** The router type for `createTRPCClient<PublicRouter>`: Keyhole's key-holder procedures. */
export type PublicRouter = TRPCBuiltRouter<
  { ctx: OpaqueServerContext; meta: object; errorShape: KeyholeErrorShape; transformer: false },
  {
    health: Query<void, Health>;
    // No fields, strictly: an unknown one is BAD_REQUEST.
    whoami: Query<Record<string, never> | undefined, WhoAmI>;
    meetings: {
      list: Query<ListMeetingsInput | undefined, MeetingPage>;
      get: Query<MeetingIdInput, Meeting>;
      transcript: Query<MeetingIdInput, Transcript>;
    };
  }
>;

export type RouterInputs = inferRouterInputs<PublicRouter>;
export type RouterOutputs = inferRouterOutputs<PublicRouter>;
