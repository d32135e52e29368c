// tRPC's own code names, so the API can map a KeyholeError to a TRPCError one to one.
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'TOO_MANY_REQUESTS',
  'PARSE_ERROR',
  'METHOD_NOT_SUPPORTED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TIMEOUT',
  'INTERNAL_SERVER_ERROR',
  // The database cannot be reached or does not answer in time (SPEC §9): never used for load.
  'SERVICE_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  TOO_MANY_REQUESTS: 429,
  PARSE_ERROR: 400,
  METHOD_NOT_SUPPORTED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TIMEOUT: 408,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

// Clients branch on `error.data.reason`, so these strings are part of the public contract.
export const ERROR_REASONS = [
  'invalid_key',
  'key_expired',
  'key_user_deactivated',
  'key_limit_reached',
  'legacy_read_only',
  'reveal_disabled',
  'rate_limited',
  // A bounded queue is full (password hashing, large reads; SPEC §9): retry after Retry-After.
  'server_busy',
  'key_in_url',
  'origin_mismatch',
  'signup_disabled',
  'last_admin',
  'self_deactivation',
  'invalid_cursor',
  'session_required',
  'key_required',
  'admin_required',
  // Step-up (SPEC §5): the session's password was not entered recently enough for this action.
  'reauth_required',
  'host_only',
  // Idempotency-Key (SPEC §9 "Database faults"): the same key with other input, a twin still running,
  // a replay whose key secret was regenerated or revoked since, a malformed header, a header on a batch.
  'idempotency_key_reused',
  'idempotency_in_progress',
  'idempotency_key_stale',
  'idempotency_key_invalid',
  'idempotency_key_in_batch',
  'batch_too_large',
  'duplicate_authorization',
  'response_too_large',
  'request_timeout',
  // The database is down, stalled or a lock did not come in time (SPEC §9): retry after Retry-After.
  'database_unavailable',
  // Webhooks (SPEC §11): a destination that may not receive deliveries; 25 subscriptions per key.
  'webhook_url_not_allowed',
  'webhook_limit_reached',
  // SPEC §12: a subscription whose key was revoked for a leak stays disabled for the record.
  'webhook_key_revoked',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

export interface KeyholeErrorOptions {
  reason?: ErrorReason;
  cause?: unknown;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function isErrorReason(value: unknown): value is ErrorReason {
  return typeof value === 'string' && (ERROR_REASONS as readonly string[]).includes(value);
}

/**
 * Services throw this instead of TRPCError so that they stay usable outside tRPC (CLI, seed,
 * tests); the API converts it at the boundary. The message is shown to clients, so it must never
 * hold a secret.
 */
export class KeyholeError extends Error {
  readonly code: ErrorCode;
  readonly reason?: ErrorReason;

  constructor(code: ErrorCode, message: string, reasonOrOptions?: ErrorReason | KeyholeErrorOptions) {
    const options: KeyholeErrorOptions =
      typeof reasonOrOptions === 'string' ? { reason: reasonOrOptions } : (reasonOrOptions ?? {});
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeyholeError';
    this.code = code;
    if (options.reason !== undefined) this.reason = options.reason;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export function isKeyholeError(value: unknown): value is KeyholeError {
  return value instanceof KeyholeError;
}

/**
 * The most calls one tRPC batch may hold by default (the server's `KEYHOLE_MAX_BATCH`); the typed
 * client and the web app never send more in one request.
 */
export const DEFAULT_MAX_BATCH = 25;
