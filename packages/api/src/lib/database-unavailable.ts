import { KeyholeError } from '@keyhole/core';
import { LIMITS } from './limits';
import type { Logger } from './logger';

/**
 * The database is down, stalled or a lock did not come in time (SPEC §9 "Database faults"): 503
 * `SERVICE_UNAVAILABLE`, reason `database_unavailable`, and the client is told when to come back
 * (`Retry-After`, set by `edge` from `retryAfterSeconds`). The driver's error, if any, is
 * kept as `cause` for the logs (serialised safely) and never shown.
 */
export class DatabaseUnavailableError extends KeyholeError {
  readonly retryAfterSeconds = LIMITS.dbRetryAfterSeconds;

  constructor(cause?: unknown) {
    super(
      'SERVICE_UNAVAILABLE',
      `The database is unavailable right now: try again in ${LIMITS.dbRetryAfterSeconds} seconds.`,
      { reason: 'database_unavailable', cause },
    );
    this.name = 'DatabaseUnavailableError';
  }
}

/** At most one log line per this many ms while calls keep failing on the database. */
const LOG_EVERY_MS = 5000;

/**
 * The log of calls answered 503 `database_unavailable`: one structured warn line (`event:
 * database_unavailable`, the driver's error serialised safely: SQLSTATE or socket code, never SQL
 * parameters) at most every 5 s, counting the calls answered so since the previous line.
 */
export function databaseUnavailableLog(logger: Logger) {
  let lastAt = Number.NEGATIVE_INFINITY;
  let calls = 0;
  return (err: unknown, path: string | undefined, requestId: string | undefined) => {
    calls++;
    const now = performance.now();
    if (now - lastAt < LOG_EVERY_MS) return;
    lastAt = now;
    const cause = err instanceof DatabaseUnavailableError && err.cause !== undefined ? err.cause : err;
    logger.warn(
      { event: 'database_unavailable', err: cause, path, requestId, calls },
      'database unavailable: calls answered 503',
    );
    calls = 0;
  };
}
