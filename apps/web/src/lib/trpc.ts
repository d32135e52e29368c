import type { AppRouter } from '@keyhole/api';
import { DEFAULT_MAX_BATCH } from '@keyhole/core';
import { infiniteQueryOptions, QueryCache, QueryClient, type QueryKey } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type Me = NonNullable<RouterOutputs['auth']['me']>;
export type KeyView = RouterOutputs['keys']['list']['keys'][number];
export type Member = RouterOutputs['members']['list'][number];
export type Meeting = RouterOutputs['meetings']['list']['items'][number];
export type AuditEvent = RouterOutputs['audit']['list']['items'][number];

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Same origin as the page (the API process serves both; `pnpm dev` proxies /trpc), cookie included. */
export function createClient() {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: '/trpc',
        maxItems: DEFAULT_MAX_BATCH,
        fetch: (url, init) => fetch(url, { ...init, credentials: 'same-origin' }),
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
      queries: {
        retry: (failureCount, error) => !isClientError(error) && failureCount < 2,
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
      mutations: { retry: false },
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
    if (!error.data && /fetch|network/i.test(error.message)) {
      return 'Cannot reach the Keyhole server. Check your connection and try again.';
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
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
