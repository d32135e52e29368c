import type { Authority } from '../../auth/authority';
import type { IdempotencyRecord } from '../../db/idempotency/records';
import type { AppDeps } from '../../deps';
import { hmacSha256 } from '../../lib/keyring';
import { findLiveRecord } from './idempotency-records';

/**
 * Who a key is scoped to: the signed-in user (any of their sessions, so signing in again on a cut
 * connection still finds the first answer) or the API key.
 */
export interface IdempotencyCaller {
  kind: 'user' | 'key';
  id: string;
}

/** A mutation that came with an `Idempotency-Key`, before its input is read. */
export interface IdempotentRequest {
  /** HMAC of (caller, procedure, header value): the record's primary key. */
  scope: Buffer;
  procedure: string;
  /** What a look-up made before the rate limits found (a replay spends no budget). */
  prior: IdempotencyRecord | null;
  /**
   * The budget charge skipped because `prior` looked like a replay; spent after all when the
   * request turns out not to be one (other input, or the record expired meanwhile).
   */
  deferredCharge: (() => Promise<void>) | null;
}

export function idempotencyCallerOf(authority: Authority): IdempotencyCaller | null {
  if (authority.kind === 'session') return { kind: 'user', id: authority.userId };
  if (authority.kind === 'key') return { kind: 'key', id: authority.keyId };
  return null;
}

export function idempotencyScope(
  deps: Pick<AppDeps, 'keyring'>,
  caller: IdempotencyCaller,
  procedure: string,
  idempotencyKey: string,
): Buffer {
  // Newline-separated: none of the parts can hold one (ids, procedure names, printable ASCII).
  return hmacSha256(
    deps.keyring.idempotencyHmac,
    `scope\n${caller.kind}:${caller.id}\n${procedure}\n${idempotencyKey}`,
  );
}

/**
 * Derives the request's scope and looks for an answer already recorded under it, so the caller's
 * procedure layer can leave the rate budget alone for what will be a replay. The header value has
 * been checked already (`checkIdempotencyKey`).
 */
export async function openIdempotentRequest(
  deps: AppDeps,
  caller: IdempotencyCaller,
  procedure: string,
  idempotencyKey: string,
): Promise<IdempotentRequest> {
  const scope = idempotencyScope(deps, caller, procedure, idempotencyKey);
  const prior = await findLiveRecord(deps.db, scope, deps.clock.now());
  return { scope, procedure, prior, deferredCharge: null };
}
