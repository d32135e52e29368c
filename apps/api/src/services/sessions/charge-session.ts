import type { AppDeps } from '../../deps';
import type { ResponseSink } from '../../trpc/context';
import { RateLimitedError } from '../accounts/sign-in-limits';

// The lowest remaining figure of the request wins: the calls of a batch settle in any order.
const lowestRemaining = new WeakMap<ResponseSink, number>();

/**
 * Spends one call of a signed-in user's budget (SPEC §9 "Sessions"): every procedure call made with
 * a session counts one (a batch of five counts five), against the user rather than the one session,
 * so signing in again does not buy a fresh budget. Writes the same X-RateLimit-* headers as a key's
 * budget; past it, TOO_MANY_REQUESTS `rate_limited` (the procedure builder adds Retry-After).
 * The sibling of `chargeKeyRequest` in services/keys/authenticate-key.ts.
 */
export async function chargeSessionRequest(deps: AppDeps, userId: string, res: ResponseSink): Promise<void> {
  const limit = deps.config.sessionRateLimitPerMinute;
  const decision = await deps.counters.sessionCalls.hit(userId, limit);
  const resetSeconds = Math.ceil(decision.resetMs / 1000);
  const remaining = Math.min(decision.remaining, lowestRemaining.get(res) ?? Number.POSITIVE_INFINITY);
  lowestRemaining.set(res, remaining);
  res.setHeader('X-RateLimit-Limit', String(decision.limit));
  res.setHeader('X-RateLimit-Remaining', String(remaining));
  res.setHeader('X-RateLimit-Reset', String(resetSeconds));
  if (!decision.allowed) {
    const retryAfter = Math.max(1, resetSeconds);
    throw new RateLimitedError(
      `Rate limit of ${decision.limit} calls per minute reached for this session. Retry in ${retryAfter} s.`,
      retryAfter,
    );
  }
}
