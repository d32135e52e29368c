import { TRPCClientError, type TRPCLink } from '@trpc/client';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import type { PublicRouter } from './public-router';

/** The response a failed call came with, when there was one (tRPC keeps it in `meta`). */
function responseOf(err: TRPCClientError<PublicRouter>): Response | undefined {
  const response = err.meta?.response;
  return response instanceof Response ? response : undefined;
}

/**
 * An answer that is not the API's (a proxy's or load balancer's HTML error page): tRPC could only
 * report that its body is not JSON, so the status is kept here, as the cause of the KeyholeError.
 */
export class NotAnApiAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
  ) {
    super(`HTTP ${status} with a body that is not a Keyhole API answer`);
    this.name = 'NotAnApiAnswerError';
  }
}

/** Fails a non-JSON error answer before tRPC tries to parse it, keeping its status. */
export function refusingNonApiAnswers(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const json = /\bjson\b/i.test(response.headers.get('content-type') ?? '');
    if (response.ok || json) return response;
    await response.body?.cancel();
    throw new NotAnApiAnswerError(response.status, response.headers.get('retry-after'));
  };
}

/** `Retry-After` in whole seconds: delta-seconds as the API sends it, or an HTTP date from a proxy. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // An HTTP date names its month; Date.parse would also take '-5' or '2026' as a date.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Every failed call of a Keyhole client rejects with one of these (a `TRPCClientError`, so tRPC's
 * own checks still hold). `code`, `httpStatus` and `reason` come from the API's answer; a failure
 * with no API answer (network down, DNS, a proxy's HTML page) has `code` and `reason` undefined.
 */
export class KeyholeError extends TRPCClientError<PublicRouter> {
  /** The tRPC error code: `UNAUTHORIZED`, `NOT_FOUND`, `TOO_MANY_REQUESTS`, … */
  readonly code: TRPC_ERROR_CODE_KEY | undefined;
  /** The machine-readable reason, when the API names one: `invalid_key`, `rate_limited`, … */
  readonly reason: string | undefined;
  /** The HTTP status of this call's answer (the API's per-call status inside a batch). */
  readonly httpStatus: number | undefined;
  /** From `Retry-After` (429 rate limits and `server_busy`, 503 `database_unavailable`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(err: TRPCClientError<PublicRouter>) {
    super(err.message, {
      ...(err.shape ? { result: { error: err.shape } } : {}),
      ...(err.cause ? { cause: err.cause } : {}),
      ...(err.meta ? { meta: err.meta } : {}),
    });
    // TRPCClientError's constructor pins its own prototype, which would hide this class.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'KeyholeError';
    const response = responseOf(err);
    const notApi = err.cause instanceof NotAnApiAnswerError ? err.cause : undefined;
    const data = err.data;
    this.code = data?.code;
    this.reason = data && 'reason' in data ? data.reason : undefined;
    this.httpStatus = data?.httpStatus ?? response?.status ?? notApi?.status;
    this.retryAfterSeconds = parseRetryAfter(
      response?.headers.get('retry-after') ?? notApi?.retryAfter ?? null,
    );
    if (err.stack) this.stack = err.stack;
  }
}

/** Turns whatever the links below reject with into a `KeyholeError`; first in a client's links. */
export const keyholeErrorLink: TRPCLink<PublicRouter> =
  () =>
  ({ op, next }) =>
    observable((observer) =>
      next(op).subscribe({
        next: (value) => observer.next(value),
        error: (err) => observer.error(err instanceof KeyholeError ? err : new KeyholeError(err)),
        complete: () => observer.complete(),
      }),
    );

/** The error type of a failed call (kept for code written against earlier versions). */
export type KeyholeClientError = TRPCClientError<PublicRouter>;

export function isKeyholeClientError(err: unknown): err is KeyholeClientError {
  return err instanceof TRPCClientError;
}

/**
 * The machine-readable reason of a failed call (`invalid_key`, `key_expired`, `rate_limited`,
 * `invalid_cursor`, …), or undefined when the error has none or is not from the API.
 */
export function errorReason(err: unknown): string | undefined {
  if (!isKeyholeClientError(err)) return undefined;
  const data = err.data as { reason?: unknown } | undefined;
  return typeof data?.reason === 'string' ? data.reason : undefined;
}
