import { Redis } from 'ioredis';
import type { Logger } from './logger';

/** How long one Redis command may take before the caller falls back to this process's counters. */
export const REDIS_COMMAND_TIMEOUT_MS = 200;
/** How often a ready connection is probed, so a stalled Redis is noticed without waiting for traffic. */
const PROBE_INTERVAL_MS = 250;
/** ioredis's message for a command past `commandTimeout`. */
const TIMED_OUT = 'Command timed out';

export interface RedisConnection {
  redis: Redis;
  /** True while Redis is believed reachable (the counters use it); false during an outage. */
  readonly healthy: boolean;
  /**
   * Resolves once the first connection is ready (true), or false when it failed or `timeoutMs`
   * passed. Until then the limiters count in memory, so a process that served before waiting would
   * split its first counts between memory and Redis (a 4th sign-up let through, say).
   */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The Redis client of the rate limiters (SPEC §9 "Redis faults"): Redis down or stalled never makes a
 * request wait more than 250 ms for it.
 *
 * - Commands time out after 200 ms (`commandTimeout`); the limiter then counts in memory.
 * - Nothing is queued while the connection is down (`enableOfflineQueue: false`) and nothing is
 *   re-sent after a reconnect (`maxRetriesPerRequest: 0`): a request that already fell back never
 *   spends a budget in Redis later.
 * - A stall (SIGSTOP, a hung network) is noticed by a timed-out command or probe, confirmed by a
 *   second PING timing out (so a blocked event loop here is not taken for a stall); the connection is
 *   then dropped, so the limiters skip Redis at once (`rejectIfRedisNotReady`) instead of each
 *   waiting 200 ms, and only the commands already in flight at that moment can still reach Redis.
 * - One structured `redis unavailable` line per outage (ioredis's own unstructured "Unhandled error
 *   event" output is silenced by the listener), one `redis available again` line when it is back.
 */
export function createRedisConnection(url: string, logger: Logger): RedisConnection {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    // Reconnect quickly once Redis is back: counts resume there within about a second.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    lazyConnect: false,
  });
  let healthy = true;
  let closing = false;
  let outageSince = 0;
  const outage = (cause: string, err?: unknown) => {
    if (closing || !healthy) return;
    healthy = false;
    outageSince = Date.now();
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    logger.warn(
      { event: 'redis_unavailable', cause, ...(code ? { code } : {}) },
      'redis unavailable: rate limits are counted per process until it is back',
    );
  };
  redis.on('error', (err) => outage('error', err));
  redis.on('close', () => outage('connection closed'));
  redis.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.info(
      { event: 'redis_available', outageMs: Date.now() - outageSince },
      'redis available again: rate limits are counted in redis',
    );
  });
  const stalled = () => {
    outage('timeout');
    // Drop the connection: while it reconnects the limiters skip Redis without waiting.
    if (redis.status === 'ready') redis.disconnect(true);
  };
  // One timed-out command may be this process's own fault (its event loop was blocked past the
  // timeout while the answer sat in the socket): a second, fresh PING confirms the stall first.
  let confirming = false;
  const suspect = () => {
    if (confirming || !healthy || redis.status !== 'ready') return;
    confirming = true;
    redis
      .ping()
      .then(
        () => undefined,
        (err: Error) => {
          if (err?.message === TIMED_OUT) stalled();
        },
      )
      .finally(() => {
        confirming = false;
      });
  };
  // A timed-out command (a limiter's: it fell back to memory already, or a probe) means Redis may
  // have stalled.
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    const result = send(command, stream);
    command.promise.catch((err: Error) => {
      if (err?.message === TIMED_OUT) suspect();
    });
    return result;
  }) as typeof redis.sendCommand;
  const probe = setInterval(() => {
    if (redis.status !== 'ready' || confirming) return;
    redis.ping().catch(() => undefined);
  }, PROBE_INTERVAL_MS);
  probe.unref();
  return {
    redis,
    get healthy() {
      return healthy;
    },
    ready: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (redis.status === 'ready') return resolve(true);
        const done = (value: boolean) => {
          clearTimeout(timer);
          redis.off('ready', onReady);
          redis.off('error', onFailure);
          redis.off('end', onFailure);
          resolve(value);
        };
        const onReady = () => done(true);
        const onFailure = () => done(false);
        const timer = setTimeout(onFailure, timeoutMs);
        timer.unref();
        redis.once('ready', onReady);
        redis.once('error', onFailure);
        redis.once('end', onFailure);
      }),
    close: async () => {
      closing = true;
      clearInterval(probe);
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
