import { KeyholeError } from './errors';

/** The request header a client sends to make a mutation safe to retry (SPEC §9 "Database faults"). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The longest header value accepted (SPEC §9). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** How long a recorded answer is replayed; after that the same header value starts a new request. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

// Printable ASCII, space included: what a UUID, a ULID or any client's own request id is made of.
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The header's value as a client sent it, or BAD_REQUEST naming the header: 1–255 printable ASCII
 * characters. Case matters: two values differing only in case are two keys.
 */
export function checkIdempotencyKey(value: string): string {
  if (value.length === 0 || value.length > IDEMPOTENCY_KEY_MAX_LENGTH || !PRINTABLE_ASCII.test(value)) {
    throw new KeyholeError(
      'BAD_REQUEST',
      `${IDEMPOTENCY_KEY_HEADER}: send 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters (a UUID, for instance).`,
      'idempotency_key_invalid',
    );
  }
  return value;
}
