import type { IncomingMessage } from 'node:http';
import { checkIdempotencyKey, IDEMPOTENCY_KEY_HEADER, KeyholeError } from '@keyhole/core';
import { countRawHeader } from './raw-headers';

const HEADER = IDEMPOTENCY_KEY_HEADER.toLowerCase();

export function idempotencyKeyHeader(req: IncomingMessage): string | null {
  const value = req.headers[HEADER];
  return typeof value === 'string' ? value : null;
}

/**
 * The `Idempotency-Key` refusals made before credentials (after the batch cap, SPEC §9): several
 * headers (node would join them into one value), a malformed value, or any batch carrying one — a
 * key names one mutation, and a batch may hold several.
 */
export function idempotencyHeaderRefusal(req: IncomingMessage, search: URLSearchParams): KeyholeError | null {
  const count = countRawHeader(req, HEADER);
  if (count === 0) return null;
  if (count > 1) {
    return new KeyholeError(
      'BAD_REQUEST',
      `${IDEMPOTENCY_KEY_HEADER}: send one header; several were sent.`,
      'idempotency_key_invalid',
    );
  }
  if (search.get('batch') === '1') {
    return new KeyholeError(
      'BAD_REQUEST',
      `${IDEMPOTENCY_KEY_HEADER} is not accepted on a batch: send the mutation as a single call.`,
      'idempotency_key_in_batch',
    );
  }
  try {
    checkIdempotencyKey(idempotencyKeyHeader(req) ?? '');
  } catch (err) {
    if (err instanceof KeyholeError) return err;
    throw err;
  }
  return null;
}
