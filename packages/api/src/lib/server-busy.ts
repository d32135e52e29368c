import { KeyholeError } from '@keyhole/core';

/**
 * A bounded queue is full (password hashing, large reads): 429 `server_busy`, and the client is told
 * when to come back (`Retry-After`, set by `edge` from `retryAfterSeconds`).
 */
export class ServerBusyError extends KeyholeError {
  constructor(
    readonly retryAfterSeconds: number,
    busyWith: string,
  ) {
    super(
      'TOO_MANY_REQUESTS',
      `The server is busy ${busyWith}: try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
      'server_busy',
    );
  }
}
