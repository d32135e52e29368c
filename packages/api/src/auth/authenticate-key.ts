import {
  checkKeyUsable,
  isClientKeyShape,
  isSecretShape,
  KeyholeError,
  type ParsedKey,
  passesKeyPrecheck,
} from '@keyhole/core';
import { findKeyForVerification } from '../db/keys/find-key-for-verification';
import type { AppDeps } from '../deps';
import { RateLimitedError } from '../lib/rate-limited';
import type { RateDecision } from '../lib/rate-limiter';
import type { AuthenticatedKey, OrgView } from './caller';
import { hashesMatch, hashKeySecret } from './key-secrets';
import { toOrgView } from './org-view';
import { parseAuthorization } from './parse-authorization';
import type { VerifiedKey } from './verified-key-cache';

// One message for unknown, revoked and wrong-secret keys: the answer must not tell them apart.
const INVALID_KEY = 'Invalid API key.';

export const invalidKeyError = () => new KeyholeError('UNAUTHORIZED', INVALID_KEY, 'invalid_key');

/** Why a key whose secret matched cannot be used (expired, or its user deactivated). */
export function unusableKeyError(usable: Exclude<ReturnType<typeof checkKeyUsable>, { ok: true }>) {
  return new KeyholeError(
    usable.code,
    usable.reason === 'key_expired'
      ? 'This API key has expired. Ask an org admin for a new key.'
      : 'The user this API key is issued to is deactivated. An org admin can reactivate them or issue another key.',
    usable.reason,
  );
}

/**
 * A verified key: the request's caller as is (no copy is made of it), with the hash of the secret
 * presented (mutations re-check it: `lockActor`).
 */
export interface VerifiedKeyCaller {
  ok: true;
  type: 'key';
  key: AuthenticatedKey;
  org: OrgView;
  secretHash: Buffer;
}

/** A refused credential; `retryAfterSeconds` is set (and `error` carries it) once the IP is past its budget. */
export interface KeyRefusal {
  ok: false;
  error: KeyholeError;
  retryAfterSeconds: number | null;
}

export type KeyAuthentication = VerifiedKeyCaller | KeyRefusal;

/**
 * The decision on an `Authorization` header: the verified key, or a refusal whose error is
 * UNAUTHORIZED `invalid_key` / `key_expired`, FORBIDDEN `key_user_deactivated`, or TOO_MANY_REQUESTS
 * `rate_limited` once the client IP has failed too often. Failures are counted per IP and never
 * against a key's budget. Writes no header. The header is parsed, and its secret hashed, once.
 * A fault of ours (the database) is thrown, not decided.
 */
export async function authenticateKey(
  deps: AppDeps,
  authorization: string,
  ip: string,
): Promise<KeyAuthentication> {
  const parsed = parseAuthorization(authorization);
  const now = deps.clock.now();
  // A full-strength Keyhole key already verified with this very secret needs no failure-budget check:
  // nobody guesses 256 bits, so the check only guards look-ups (and weak imported legacy secrets),
  // and skipping it keeps the hot path free of a counter read (a Redis round trip when shared).
  let presented: Buffer | null = null;
  if (parsed && isSecretShape(parsed.secret) && isClientKeyShape(parsed.clientKey)) {
    const cached = deps.keyCache.get(parsed.clientKey);
    if (cached) {
      presented = hashKeySecret(deps.keyring, parsed.secret);
      if (secretMatches(cached, presented, now) && usableNow(cached, now).ok) {
        return { ok: true, type: 'key', key: cached.key, org: cached.org, secretHash: presented };
      }
    }
  }
  const limit = deps.config.authFailLimitPerMinute;
  // Spend first (SPEC §9 "Per-IP failure budgets"): every check reserves one unit of the IP's budget
  // before it looks anything up, so N concurrent wrong secrets cost at most the budget in look-ups,
  // never N. An IP past its budget gets no look-ups at all until its window ends.
  const reserved = await deps.counters.authFailures.hit(ip, limit);
  if (!reserved.allowed) return tooManyFailures(reserved);
  let verified: KeyAuthentication;
  try {
    verified = await verifyKey(deps, parsed, presented, now);
  } catch (err) {
    // A fault of ours (the database down, plain) is no failure of the client's: the unit goes back.
    // The gate's refusals (server_busy, database_unavailable) keep it, as credentials refused do.
    if (!(err instanceof KeyholeError)) await deps.counters.authFailures.refund(ip);
    throw err;
  }
  // Verified: the unit goes back, so good keys never wear down their address's budget. A credential
  // refused keeps its unit.
  if (verified.ok) await deps.counters.authFailures.refund(ip);
  return verified;
}

const refused = (error: KeyholeError): KeyRefusal => ({ ok: false, error, retryAfterSeconds: null });

function usableNow(verified: VerifiedKey, now: Date) {
  return checkKeyUsable({ expiresAt: verified.expiresAt, issuedToStatus: verified.issuedToStatus }, now);
}

async function verifyKey(
  deps: AppDeps,
  parsed: ParsedKey | null,
  hashed: Buffer | null,
  now: Date,
): Promise<KeyAuthentication> {
  if (!parsed) {
    return refused(
      new KeyholeError(
        'UNAUTHORIZED',
        'Malformed Authorization header: send "Bearer CLIENT_KEY:CLIENT_SECRET" or "Basic base64(CLIENT_KEY:CLIENT_SECRET)".',
        'invalid_key',
      ),
    );
  }
  const { clientKey, secret } = parsed;
  if (!passesKeyPrecheck(clientKey, secret)) {
    return refused(
      new KeyholeError(
        'UNAUTHORIZED',
        'Invalid API key: it looks mistyped or truncated. Copy the whole key string again.',
        'invalid_key',
      ),
    );
  }
  const presented = hashed ?? hashKeySecret(deps.keyring, secret);

  let verified = deps.keyCache.get(clientKey);
  if (verified && !secretMatches(verified, presented, now)) {
    // Perhaps regenerated elsewhere a moment ago and the notice is still on its way: ask the database.
    deps.keyCache.delete(clientKey);
    verified = undefined;
  }
  if (!verified) {
    const stamp = deps.keyCache.stamp();
    const loaded = await loadKey(deps, clientKey);
    if (!loaded || !secretMatches(loaded, presented, now)) return refused(invalidKeyError());
    deps.keyCache.set(loaded, stamp);
    verified = loaded;
  }

  const usable = usableNow(verified, now);
  if (!usable.ok) return refused(unusableKeyError(usable));
  return { ok: true, type: 'key', key: verified.key, org: verified.org, secretHash: presented };
}

/** The current secret, or the previous one while its overlap lasts. Both compared, in constant time. */
export function secretMatches(
  k: {
    secretHash: Uint8Array | null;
    previousSecretHash: Uint8Array | null;
    previousSecretValidUntil: Date | null;
  },
  presented: Buffer,
  now: Date,
): boolean {
  const current = hashesMatch(k.secretHash, presented);
  const previous = hashesMatch(k.previousSecretHash, presented);
  const overlapOpen = k.previousSecretValidUntil !== null && k.previousSecretValidUntil > now;
  return current || (previous && overlapOpen);
}

async function loadKey(deps: AppDeps, clientKey: string): Promise<VerifiedKey | null> {
  const row = await findKeyForVerification(deps.db, clientKey);
  if (!row) return null;
  const { key, org, user } = row;
  if (key.secretHash === null) return null;
  return {
    clientKey,
    key: {
      id: key.id,
      orgId: key.orgId,
      name: key.name,
      scope: key.scope,
      clientKey: key.clientKey,
      issuedTo: user ? { id: user.id, name: user.name, email: user.email } : null,
      rateLimitPerMinute: key.rateLimitPerMinute,
    },
    org: toOrgView(org),
    secretHash: Buffer.from(key.secretHash),
    previousSecretHash: key.previousSecretHash ? Buffer.from(key.previousSecretHash) : null,
    previousSecretValidUntil: key.previousSecretValidUntil,
    expiresAt: key.expiresAt,
    issuedToStatus: user ? user.status : null,
  };
}

function tooManyFailures(decision: RateDecision): KeyRefusal {
  const retryAfter = Math.max(1, Math.ceil(decision.resetMs / 1000));
  return {
    ok: false,
    error: new RateLimitedError(
      `Too many requests with invalid credentials from this address. Retry in ${retryAfter} s.`,
      retryAfter,
    ),
    retryAfterSeconds: retryAfter,
  };
}
