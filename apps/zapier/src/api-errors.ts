import type { ZObject } from 'zapier-platform-core';
import type { TrpcError } from './keyhole-types.js';

/**
 * Shown when the API refuses the key for its form (empty, or not a whole `kh_…:khs_…` string). The
 * API's own words for that case talk about `Authorization` headers, which a Zapier user never sees.
 */
const KEY_NOT_WHOLE =
  'Keyhole could not read this API key: it is empty or not a whole key. Reconnect Keyhole in Zapier and ' +
  'paste the whole key exactly as Keyhole showed it (it looks like kh_…:khs_…).';

/** For an answer that carries no message Zapier can show (a proxy's error page, an empty body). */
export const UNREADABLE_ANSWER =
  'Keyhole gave an answer Zapier could not read. Try again in a few minutes; if it keeps happening, ask ' +
  'your Keyhole admin whether the Keyhole server is up.';

/**
 * Refusals of `webhooks.subscribe` (turning a Zap on), in words for the person turning it on: the API's
 * own messages speak of URLs and schemes, and the fix is someone else's (the Keyhole admin) or a choice.
 */
const REASON_MESSAGES: Record<string, string> = {
  webhook_url_not_allowed:
    'Your Keyhole server does not send meetings to Zapier’s address for this Zap, so the Zap cannot turn ' +
    'on. Ask your Keyhole admin to allow deliveries to Zapier (hooks.zapier.com).',
  webhook_limit_reached:
    'This API key already feeds 25 instant Zaps, as many as Keyhole allows for one key. Turn off a Zap ' +
    'that uses this key, or connect this Zap with another User – limited access key.',
};

/** Words that belong to HTTP, not to a Zapier user: such API messages are replaced, never shown. */
const HTTP_JARGON = /authorization|bearer|basic|base64|header|\bhttps?\b|\bstatus\b/i;

/** An API message a Zapier user can read, or `fallback`. */
function readable(message: string | undefined, fallback: string): string {
  return message && !HTTP_JARGON.test(message) ? message : fallback;
}

/** `Retry-After` in whole seconds (SPEC §4), or null. */
function retryAfterSeconds(value: string | null | undefined): number | null {
  if (!value) return null;
  const seconds = Number.parseInt(value, 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

export interface ApiFailure {
  status: number;
  error: TrpcError | undefined;
  retryAfter: string | null;
}

/**
 * The error Zapier acts on for one failed call. A credential the API no longer accepts (401: invalid,
 * revoked or expired; 403 `key_user_deactivated`) is `ExpiredAuthError`: Zapier pauses the Zap and asks
 * the user to reconnect. 429 (the key's budget) and 503 (Keyhole briefly unavailable) are
 * `ThrottledError` with the API's message and its `Retry-After`: Zapier tries again after that wait.
 * A refusal whose reason has words of its own here (`REASON_MESSAGES`) carries those, with the reason as
 * its code. Anything else is `z.errors.Error` with the API's message, code and status.
 */
export function apiError(z: ZObject, { status, error, retryAfter }: ApiFailure): Error {
  const code = error?.data?.code;
  const reason = error?.data?.reason;
  if (status === 429 || code === 'TOO_MANY_REQUESTS') {
    const message = readable(error?.message, 'Keyhole’s rate limit for this API key was reached.');
    return new z.errors.ThrottledError(message, retryAfterSeconds(retryAfter) ?? undefined);
  }
  if (status === 503 || code === 'SERVICE_UNAVAILABLE') {
    const message = readable(error?.message, 'Keyhole is unavailable for a moment.');
    return new z.errors.ThrottledError(message, retryAfterSeconds(retryAfter) ?? 60);
  }
  if (status === 401 || code === 'UNAUTHORIZED' || reason === 'key_user_deactivated') {
    return new z.errors.ExpiredAuthError(readable(error?.message, KEY_NOT_WHOLE));
  }
  const known = reason ? REASON_MESSAGES[reason] : undefined;
  if (known) return new z.errors.Error(known, reason, status);
  return new z.errors.Error(readable(error?.message, UNREADABLE_ANSWER), code ?? `HTTP_${status}`, status);
}

/** The tRPC error in a body: `{ error }`, or the first failed call of a batch (`[{ result } | { error }]`). */
export function errorInBody(data: unknown): TrpcError | undefined {
  const entries = Array.isArray(data) ? data : [data];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null || !('error' in entry)) continue;
    const error = (entry as { error?: TrpcError }).error;
    if (typeof error?.message === 'string') return error;
  }
  return undefined;
}
