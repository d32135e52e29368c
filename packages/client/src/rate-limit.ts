/** A key's budget as the last answer reported it (SPEC §4: fixed 60-second windows). */
export interface RateLimit {
  /** `X-RateLimit-Limit`: calls allowed per window. */
  limit: number;
  /** `X-RateLimit-Remaining`: calls left after this request (a batch of five spends five). */
  remaining: number;
  /** `X-RateLimit-Reset`: seconds until the window resets. */
  resetSeconds: number;
}

/** The rate-limit headers of an answer, or undefined when it carries none (e.g. one made without a valid key). */
export function readRateLimit(headers: Headers): RateLimit | undefined {
  const limit = headers.get('x-ratelimit-limit');
  const remaining = headers.get('x-ratelimit-remaining');
  const reset = headers.get('x-ratelimit-reset');
  if (limit === null || remaining === null || reset === null) return undefined;
  const figures = { limit: Number(limit), remaining: Number(remaining), resetSeconds: Number(reset) };
  return Object.values(figures).every(Number.isFinite) ? figures : undefined;
}

/** A fetch that reports each answer's rate-limit headers, errors included, before tRPC reads the body. */
export function reportingRateLimits(
  fetch: typeof globalThis.fetch,
  onRateLimit: (rateLimit: RateLimit) => void,
): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const rateLimit = readRateLimit(response.headers);
    if (rateLimit) onRateLimit(rateLimit);
    return response;
  };
}
