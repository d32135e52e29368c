import type { RateDecision } from '../lib/rate-limiter';

interface HeaderSink {
  setHeader(name: string, value: string): void;
}

// The lowest remaining figure of the request wins: the calls of a batch settle in any order.
const lowestRemaining = new WeakMap<HeaderSink, number>();

/**
 * Writes `X-RateLimit-Limit`, `-Remaining` and `-Reset` (SPEC §4) for one call of a key or a session.
 * Used by trpc/trpc.ts only, which also writes `Retry-After` (in `edge`, from the refusal's
 * `retryAfterSeconds`).
 */
export function writeRateLimitHeaders(res: HeaderSink, budget: RateDecision): void {
  const remaining = Math.min(budget.remaining, lowestRemaining.get(res) ?? Number.POSITIVE_INFINITY);
  lowestRemaining.set(res, remaining);
  res.setHeader('X-RateLimit-Limit', String(budget.limit));
  res.setHeader('X-RateLimit-Remaining', String(remaining));
  res.setHeader('X-RateLimit-Reset', String(Math.ceil(budget.resetMs / 1000)));
}
