import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import { trpcEndpoint } from './endpoint';
import { keyholeErrorLink, refusingNonApiAnswers } from './errors';
import type { PublicRouter } from './public-router';
import { type RateLimit, reportingRateLimits } from './rate-limit';

export interface KeyholeClientOptions {
  /** The server's base URL, e.g. `https://keyhole.example.com` (a URL already ending in `/trpc` works too). */
  url: string;
  /** The whole key string `CLIENT_KEY:CLIENT_SECRET`; sent as `Authorization: Bearer …`, never in a URL. */
  apiKey: string;
  /** A fetch to use instead of the global one (tests, proxies, older runtimes). */
  fetch?: typeof globalThis.fetch;
  /** Calls per batched request, at most the server's `KEYHOLE_MAX_BATCH` (default 25). */
  maxBatch?: number;
  /**
   * Called with the key's budget from every answer that carries `X-RateLimit-*` headers, failed
   * calls included, before the call's promise settles. One batched request reports once.
   */
  onRateLimit?: (rateLimit: RateLimit) => void;
}

/** The server's default batch cap (SPEC §9); kept equal to `@keyhole/core`'s `DEFAULT_MAX_BATCH` by a test. */
export const MAX_BATCH = 25;

export type KeyholeClient = TRPCClient<PublicRouter>;

export function createKeyholeClient(options: KeyholeClientOptions): KeyholeClient {
  const apiKey = options.apiKey.trim();
  if (apiKey === '') throw new TypeError('createKeyholeClient: apiKey is empty');
  const authorization = `Bearer ${apiKey}`;
  const given = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const reporting = options.onRateLimit ? reportingRateLimits(given, options.onRateLimit) : given;
  const fetch = refusingNonApiAnswers(reporting);
  return createTRPCClient<PublicRouter>({
    links: [
      keyholeErrorLink,
      httpBatchLink({
        url: trpcEndpoint(options.url),
        headers: () => ({ authorization }),
        // Long batches of GET queries are split rather than sent as URLs servers refuse, and no batch
        // holds more calls than the server accepts (SPEC §9 `KEYHOLE_MAX_BATCH`).
        maxURLLength: 8000,
        maxItems: options.maxBatch ?? MAX_BATCH,
        fetch,
      }),
    ],
  });
}
