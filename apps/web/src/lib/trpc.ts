import type { AppRouter } from '@keyhole/api';
import { DEFAULT_MAX_BATCH, IDEMPOTENCY_KEY_HEADER } from '@keyhole/core';
import { infiniteQueryOptions, QueryCache, QueryClient, type QueryKey } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpLink, splitLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type Me = NonNullable<RouterOutputs['auth']['me']>;
export type KeyView = RouterOutputs['keys']['list']['keys'][number];
export type Member = RouterOutputs['members']['list'][number];
export type Meeting = RouterOutputs['meetings']['list']['items'][number];
export type AuditEvent = RouterOutputs['audit']['list']['items'][number];
export type OrgWebhook = RouterOutputs['webhooks']['listForOrg'][number];
export type Delivery = RouterOutputs['webhooks']['deliveries']['items'][number];

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/**
 * A call the server has not answered by then fails with a message (and its button comes back): a
 * hung connection must never leave a dialog stuck at "Creating…". Mutations carry an Idempotency-Key,
 * so retrying after a timeout is safe.
 */
const REQUEST_TIMEOUT_MS = 20_000;

/** What a mutation puts in `op.context` to be sent with an `Idempotency-Key` (see useSubmitAttempt). */
// A type, not an interface: tRPC's context is an index signature, which only type aliases satisfy.
export type IdempotencyContext = { idempotencyKey: string };

function idempotencyKeyOf(context: Record<string, unknown>): string | undefined {
  const key = context.idempotencyKey;
  return typeof key === 'string' ? key : undefined;
}

const sameOriginFetch = (url: URL | RequestInfo, init?: RequestInit) => {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  return fetch(url, { ...init, signal, credentials: 'same-origin' });
};

/**
 * Same origin as the page (the API process serves both; `pnpm dev` proxies /trpc), cookie included.
 * The server refuses an Idempotency-Key on a batch (SPEC §9), so a mutation carrying one goes on its
 * own; everything else is batched.
 */
export function createClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'mutation' && idempotencyKeyOf(op.context) !== undefined,
        true: httpLink({
          url: '/trpc',
          fetch: sameOriginFetch,
          headers: ({ op }) => ({ [IDEMPOTENCY_KEY_HEADER]: idempotencyKeyOf(op.context) ?? '' }),
        }),
        false: httpBatchLink({ url: '/trpc', maxItems: DEFAULT_MAX_BATCH, fetch: sameOriginFetch }),
      }),
    ],
  });
}

/**
 * A query answered UNAUTHORIZED means the session ended (signed out elsewhere, deactivated, expired):
 * asking `auth.me` again sends the app back to the sign-in page.
 */
export function createQueryClient(onSessionLost: () => void) {
  return new QueryClient({
    defaultOptions: {
      // 'always': offline, TanStack Query would otherwise pause a call (a dialog stuck at "Creating…",
      // a page stuck loading) until the browser says it is back. It fails instead, with a message and
      // a way to retry.
      queries: {
        retry: (failureCount, error) => !isClientError(error) && failureCount < 2,
        refetchOnWindowFocus: false,
        staleTime: 5_000,
        networkMode: 'always',
      },
      mutations: { retry: false, networkMode: 'always' },
    },
    queryCache: new QueryCache({
      onError: (error, query) => {
        const path = query.queryKey[0];
        const isMe = Array.isArray(path) && path.join('.') === 'auth.me';
        if (!isMe && errorCode(error) === 'UNAUTHORIZED') onSessionLost();
      },
    }),
  });
}

export function errorCode(error: unknown): string | undefined {
  return error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;
}

/** The SPEC reason an API error carries (`data.reason`, e.g. `reauth_required`), if any. */
export function errorReason(error: unknown): string | undefined {
  return error instanceof TRPCClientError
    ? (error.data as { reason?: string } | undefined)?.reason
    : undefined;
}

// 4xx answers are the API telling us something definite; repeating the request will not change it.
function isClientError(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
  return status !== undefined && status >= 400 && status < 500;
}

/** What to show a person: the API's own message, or a plain sentence when the network failed. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (!error.data && isTimeout(error)) {
      return 'The Keyhole server did not answer in time. Try again: a retry never does the same thing twice.';
    }
    if (!error.data && /fetch|network/i.test(error.message)) {
      return 'Cannot reach the Keyhole server. Check your connection and try again.';
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

function isTimeout(error: TRPCClientError<AppRouter>): boolean {
  const cause = error.cause;
  return (
    (cause instanceof DOMException && cause.name === 'TimeoutError') || /timed? ?out/i.test(error.message)
  );
}

/**
 * Keyset pages (`{ items, nextCursor }`) for useInfiniteQuery. tRPC's own infiniteQueryOptions adds
 * `direction: 'forward'` to the input, which our strict inputs refuse (and which means something else
 * in meetings.list), so the page is fetched with the plain client and only `cursor` is added. The key
 * sits under the procedure's path, so the procedure's pathFilter() still invalidates it.
 */
export function cursorPagesOptions<TPage extends { nextCursor: string | null }>(
  queryKey: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<TPage>,
) {
  return infiniteQueryOptions({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: TPage) => last.nextCursor ?? undefined,
  });
}
