import type { AppDeps } from '../deps';
import { RateLimitedError } from '../lib/rate-limited';
import type { RateDecision } from '../lib/rate-limiter';
import type { AuthenticatedKey } from './caller';

/**
 * One call charged to a budget, decided: `budget` is what the `X-RateLimit-*` headers show (the
 * tRPC layer writes them, on every call, refused or not); past the budget, the refusal and when to
 * come back (`error` carries `retryAfterSeconds` too, for `Retry-After`).
 */
export type CallCharge =
  | { ok: true; budget: RateDecision }
  | { ok: false; budget: RateDecision; error: RateLimitedError; retryAfterSeconds: number };

/** The seconds until the window resets, at least 1: what `Retry-After` says when refused. */
const secondsToReset = (budget: RateDecision) => Math.max(1, Math.ceil(budget.resetMs / 1000));

/**
 * Spends one call of the key's budget (SPEC §4). The call's usage is recorded once its outcome is
 * known, by the procedure builders (trpc/trpc.ts `keyCall`).
 */
export async function chargeKey(deps: AppDeps, key: AuthenticatedKey): Promise<CallCharge> {
  const limit = key.rateLimitPerMinute ?? deps.config.rateLimitPerMinute;
  const budget = await deps.counters.keyCalls.hit(key.id, limit);
  return settled(budget, 'this API key');
}

/**
 * Spends one call of a signed-in user's budget (SPEC §9 "Sessions"): every procedure call made with
 * a session counts one (a batch of five counts five), against the user rather than the one session,
 * so signing in again does not buy a fresh budget. The sibling of `chargeKey`.
 */
export async function chargeSession(deps: AppDeps, userId: string): Promise<CallCharge> {
  const limit = deps.config.sessionRateLimitPerMinute;
  const budget = await deps.counters.sessionCalls.hit(userId, limit);
  return settled(budget, 'this session');
}

/**
 * Where a user's session budget stands, spending nothing: for a call answered from an earlier one's
 * record (an `Idempotency-Key` replay, SPEC §9), which shows the same headers but spends no budget.
 */
export function peekSessionBudget(deps: AppDeps, userId: string): Promise<RateDecision> {
  return deps.counters.sessionCalls.peek(userId, deps.config.sessionRateLimitPerMinute);
}

/** A spent budget's answer: allowed, or the refusal naming whose budget ran out and when it refills. */
function settled(budget: RateDecision, whose: string): CallCharge {
  if (budget.allowed) return { ok: true, budget };
  const retryAfterSeconds = secondsToReset(budget);
  return {
    ok: false,
    budget,
    retryAfterSeconds,
    error: new RateLimitedError(
      `Rate limit of ${budget.limit} calls per minute reached for ${whose}. Retry in ${retryAfterSeconds} s.`,
      retryAfterSeconds,
    ),
  };
}
