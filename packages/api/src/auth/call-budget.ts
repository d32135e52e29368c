import type { AppDeps } from '../deps';
import { RateLimitedError } from '../lib/rate-limited';
import type { ResponseSink } from '../trpc/context';
import { writeRateLimitHeaders } from '../trpc/rate-limit-headers';

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
  const retryAfter = writeRateLimitHeaders(res, decision);
  if (!decision.allowed) {
    throw new RateLimitedError(
      `Rate limit of ${decision.limit} calls per minute reached for this session. Retry in ${retryAfter} s.`,
      retryAfter,
    );
  }
}

/**
 * The same X-RateLimit-* headers without spending anything: for a call answered from an earlier
 * one's record (an `Idempotency-Key` replay, SPEC §9), which spends no budget.
 */
export async function showSessionBudget(deps: AppDeps, userId: string, res: ResponseSink): Promise<void> {
  const decision = await deps.counters.sessionCalls.peek(userId, deps.config.sessionRateLimitPerMinute);
  writeRateLimitHeaders(res, decision);
}
