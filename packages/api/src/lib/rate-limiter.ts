import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** What is left in this window after this request (never negative). */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/** A fixed 60-second (or other) window counter whose budget may differ per identifier. */
export interface WindowCounter {
  hit(id: string, limit: number, points?: number): Promise<RateDecision>;
  /** Where an identifier stands without counting anything; `allowed` false once it is past `limit`. */
  peek(id: string, limit: number): Promise<RateDecision>;
  /** Gives back `points` taken by `hit` (a reservation that turned out not to be spent). */
  refund(id: string, points?: number): Promise<void>;
  /** Forget an identifier (tests, successful sign-in). */
  reset(id: string): Promise<void>;
}

// The store counts without a ceiling; each call compares the count with the identifier's own limit,
// so keys with different budgets share one limiter and one Redis key space.
const UNBOUNDED = 2 ** 31 - 1;

/**
 * Counters live in Redis when REDIS_URL is set (so they hold across API processes), else in memory.
 * rate-limiter-flexible's windows are fixed: they start at an identifier's first hit.
 */
export function createWindowCounter(opts: {
  name: string;
  windowSeconds: number;
  redis?: Redis;
}): WindowCounter {
  const keyPrefix = `keyhole:rl:${opts.name}`;
  const limiter = opts.redis
    ? new RateLimiterRedis({
        storeClient: opts.redis,
        useRedisPackage: false,
        keyPrefix,
        points: UNBOUNDED,
        duration: opts.windowSeconds,
        // Not connected (down, or dropped after a stall): count in memory at once, never wait.
        rejectIfRedisNotReady: true,
        // A Redis outage must not take the API down: fall back to this process's memory meanwhile.
        insuranceLimiter: new RateLimiterMemory({
          keyPrefix,
          points: UNBOUNDED,
          duration: opts.windowSeconds,
        }),
      })
    : new RateLimiterMemory({ keyPrefix, points: UNBOUNDED, duration: opts.windowSeconds });
  return {
    async hit(id, limit, points = 1) {
      let res: RateLimiterRes;
      try {
        res = await limiter.consume(id, points);
      } catch (err) {
        if (err instanceof RateLimiterRes) res = err;
        else throw err;
      }
      const used = res.consumedPoints;
      return {
        allowed: used <= limit,
        limit,
        remaining: Math.max(0, limit - used),
        resetMs: Math.max(0, res.msBeforeNext),
      };
    },
    async peek(id, limit) {
      const res = await limiter.get(id);
      const used = res?.consumedPoints ?? 0;
      return {
        allowed: used <= limit,
        limit,
        remaining: Math.max(0, limit - used),
        resetMs: Math.max(0, res?.msBeforeNext ?? 0),
      };
    },
    async refund(id, points = 1) {
      await limiter.reward(id, points);
    },
    async reset(id) {
      await limiter.delete(id);
    },
  };
}
