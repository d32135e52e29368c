/**
 * @keyhole/client: a typed tRPC client for integrators. Every procedure, input and output type comes
 * from the API's own router (a type-only import: nothing of the server ships with the client).
 */
import type { AppRouter } from '@keyhole/api';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type Meeting = RouterOutputs['meetings']['get'];
export type MeetingPage = RouterOutputs['meetings']['list'];
export type Transcript = RouterOutputs['meetings']['transcript'];
export type ListMeetingsInput = RouterInputs['meetings']['list'];
export type WhoAmI = RouterOutputs['whoami'];

export interface KeyholeClientOptions {
  /** The server's base URL, e.g. `https://keyhole.example.com` (a URL already ending in `/trpc` works too). */
  url: string;
  /** The whole key string `CLIENT_KEY:CLIENT_SECRET`; sent as `Authorization: Bearer …`, never in a URL. */
  apiKey: string;
  /** A fetch to use instead of the global one (tests, proxies, older runtimes). */
  fetch?: typeof globalThis.fetch;
  /** Calls per batched request, at most the server's `KEYHOLE_MAX_BATCH` (default 25). */
  maxBatch?: number;
}

/** The server's default batch cap (SPEC §9); kept equal to `@keyhole/core`'s `DEFAULT_MAX_BATCH` by a test. */
export const MAX_BATCH = 25;

/** Where the API lives under the given base URL: its `/trpc` path, without a trailing slash. */
export function trpcEndpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`createKeyholeClient: url is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError('createKeyholeClient: url must start with http:// or https://');
  }
  if (parsed.search || parsed.hash) {
    // A query string is where keys must never go, and tRPC adds its own.
    throw new TypeError('createKeyholeClient: url must not carry a query string or fragment');
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/trpc') ? path : `${path}/trpc`;
  return parsed.toString().replace(/\/+$/, '');
}

export function createKeyholeClient(options: KeyholeClientOptions) {
  const apiKey = options.apiKey.trim();
  if (apiKey === '') throw new TypeError('createKeyholeClient: apiKey is empty');
  const authorization = `Bearer ${apiKey}`;
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: trpcEndpoint(options.url),
        headers: () => ({ authorization }),
        // Long batches of GET queries are split rather than sent as URLs servers refuse, and no batch
        // holds more calls than the server accepts (SPEC §9 `KEYHOLE_MAX_BATCH`).
        maxURLLength: 8000,
        maxItems: options.maxBatch ?? MAX_BATCH,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}

export type KeyholeClient = ReturnType<typeof createKeyholeClient>;

/** The error every failed call rejects with; `data.code`, `data.httpStatus` and `data.reason` say why. */
export type KeyholeClientError = TRPCClientError<AppRouter>;

export function isKeyholeClientError(err: unknown): err is KeyholeClientError {
  return err instanceof TRPCClientError;
}

/**
 * The machine-readable reason of a failed call (`invalid_key`, `key_expired`, `rate_limited`,
 * `invalid_cursor`, …), or undefined when the error has none or is not from the API.
 */
export function errorReason(err: unknown): string | undefined {
  if (!isKeyholeClientError(err)) return undefined;
  const data = err.data as { reason?: unknown } | undefined;
  return typeof data?.reason === 'string' ? data.reason : undefined;
}

export { TRPCClientError };
