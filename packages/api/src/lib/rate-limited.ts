import { KeyholeError } from '@keyhole/core';

/**
 * A refusal that tells the client when to come back: TOO_MANY_REQUESTS `rate_limited`. It carries no
 * header itself; `edge` (trpc/trpc.ts) turns `retryAfterSeconds` into `Retry-After`, as it does for
 * `ServerBusyError` and `DatabaseUnavailableError`.
 */
export class RateLimitedError extends KeyholeError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('TOO_MANY_REQUESTS', message, 'rate_limited');
  }
}
