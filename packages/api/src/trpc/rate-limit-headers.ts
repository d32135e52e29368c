import type { RateDecision } from '../lib/rate-limiter';

interface HeaderSink {
  setHeader(name: string, value: string): void;
}

// The lowest remaining figure of the request wins: the calls of a batch settle in any order.
const lowestRemaining = new WeakMap<HeaderSink, number>();

/**
 * Writes `X-RateLimit-Limit`, `-Remaining` and `-Reset` (SPEC §4) for one call of a key or a session;
 * returns the seconds until the window resets, at least 1 (what `Retry-After` says when refused).
 */
export function writeRateLimitHeaders(res: HeaderSink, decision: RateDecision): number {
  const resetSeconds = Math.ceil(decision.resetMs / 1000);
  const remaining = Math.min(decision.remaining, lowestRemaining.get(res) ?? Number.POSITIVE_INFINITY);
  lowestRemaining.set(res, remaining);
  res.setHeader('X-RateLimit-Limit', String(decision.limit));
  res.setHeader('X-RateLimit-Remaining', String(remaining));
  res.setHeader('X-RateLimit-Reset', String(resetSeconds));
  return Math.max(1, resetSeconds);
}
