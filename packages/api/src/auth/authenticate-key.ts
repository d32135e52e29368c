import {
  checkKeyUsable,
  isClientKeyShape,
  isSecretShape,
  KeyholeError,
  passesKeyPrecheck,
} from '@keyhole/core';
import { and, eq, isNull } from 'drizzle-orm';
import { apiKeys, orgs, users } from '../db/schema';
import type { AppDeps } from '../deps';
import type { RateDecision } from '../lib/rate-limiter';
import type { ResponseSink } from '../trpc/context';
import { writeRateLimitHeaders } from '../trpc/rate-limit-headers';
import type { AuthenticatedKey, OrgView } from './caller';
import { hashesMatch, hashKeySecret } from './key-secrets';
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

/** A verified key, with the hash of the secret presented (mutations re-check it: `lockActor`). */
export interface VerifiedCaller {
  key: AuthenticatedKey;
  org: OrgView;
  secretHash: Buffer;
}

/**
 * The caller behind an `Authorization` header, or a KeyholeError: UNAUTHORIZED `invalid_key` /
 * `key_expired`, FORBIDDEN `key_user_deactivated`, or TOO_MANY_REQUESTS `rate_limited` once the
 * client IP has failed too often. Failures are counted per IP and never against a key's budget.
 */
export async function authenticateKeyHeader(
  deps: AppDeps,
  authorization: string,
  ip: string,
  res: ResponseSink,
): Promise<VerifiedCaller> {
  // A full-strength Keyhole key already verified with this very secret needs no failure-budget check:
  // nobody guesses 256 bits, so the check only guards look-ups (and weak imported legacy secrets),
  // and skipping it keeps the hot path free of a counter read (a Redis round trip when shared).
  const cached = cachedStrongKey(deps, authorization);
  if (cached) return cached;
  const limit = deps.config.authFailLimitPerMinute;
  // Spend first (SPEC §9 "Per-IP failure budgets"): every check reserves one unit of the IP's budget
  // before it looks anything up, so N concurrent wrong secrets cost at most the budget in look-ups,
  // never N. An IP past its budget gets no look-ups at all until its window ends.
  const reserved = await deps.counters.authFailures.hit(ip, limit);
  if (!reserved.allowed) throw tooManyFailures(reserved, res);
  let verified: VerifiedCaller;
  try {
    verified = await verifyKey(deps, authorization);
  } catch (err) {
    // A credential refused keeps its unit; a fault of ours (the database) is no failure of the client's.
    if (!(err instanceof KeyholeError)) await deps.counters.authFailures.refund(ip);
    throw err;
  }
  // Verified: the unit goes back, so good keys never wear down their address's budget.
  await deps.counters.authFailures.refund(ip);
  return verified;
}

/** The cache hit path for Keyhole-shaped keys; null whenever anything needs the full path. */
function cachedStrongKey(deps: AppDeps, authorization: string): VerifiedCaller | null {
  const parsed = parseAuthorization(authorization);
  if (!parsed || !isSecretShape(parsed.secret) || !isClientKeyShape(parsed.clientKey)) return null;
  const verified = deps.keyCache.get(parsed.clientKey);
  if (!verified) return null;
  const now = deps.clock.now();
  const secretHash = hashKeySecret(deps.keyring, parsed.secret);
  if (!secretMatches(verified, secretHash, now)) return null;
  const usable = checkKeyUsable(
    { expiresAt: verified.expiresAt, issuedToStatus: verified.issuedToStatus },
    now,
  );
  return usable.ok ? { key: verified.key, org: verified.org, secretHash } : null;
}

async function verifyKey(deps: AppDeps, authorization: string): Promise<VerifiedCaller> {
  const parsed = parseAuthorization(authorization);
  if (!parsed) {
    throw new KeyholeError(
      'UNAUTHORIZED',
      'Malformed Authorization header: send "Bearer CLIENT_KEY:CLIENT_SECRET" or "Basic base64(CLIENT_KEY:CLIENT_SECRET)".',
      'invalid_key',
    );
  }
  const { clientKey, secret } = parsed;
  if (!passesKeyPrecheck(clientKey, secret)) {
    throw new KeyholeError(
      'UNAUTHORIZED',
      'Invalid API key: it looks mistyped or truncated. Copy the whole key string again.',
      'invalid_key',
    );
  }
  const presented = hashKeySecret(deps.keyring, secret);
  const now = deps.clock.now();

  let verified = deps.keyCache.get(clientKey);
  if (verified && !secretMatches(verified, presented, now)) {
    // Perhaps regenerated elsewhere a moment ago and the notice is still on its way: ask the database.
    deps.keyCache.delete(clientKey);
    verified = undefined;
  }
  if (!verified) {
    const stamp = deps.keyCache.stamp();
    const loaded = await loadKey(deps, clientKey);
    if (!loaded || !secretMatches(loaded, presented, now)) {
      throw invalidKeyError();
    }
    deps.keyCache.set(loaded, stamp);
    verified = loaded;
  }

  const usable = checkKeyUsable(
    { expiresAt: verified.expiresAt, issuedToStatus: verified.issuedToStatus },
    now,
  );
  if (!usable.ok) throw unusableKeyError(usable);
  return { key: verified.key, org: verified.org, secretHash: presented };
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
  const [row] = await deps.db
    .select({ key: apiKeys, org: orgs, user: users })
    .from(apiKeys)
    .innerJoin(orgs, eq(orgs.id, apiKeys.orgId))
    .leftJoin(users, eq(users.id, apiKeys.issuedToUserId))
    .where(and(eq(apiKeys.clientKey, clientKey), isNull(apiKeys.revokedAt)))
    .limit(1);
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
    org: {
      id: org.id,
      name: org.name,
      settings: {
        orgFullKeysIncludePrivate: org.orgFullKeysIncludePrivate,
        allowKeyReveal: org.allowKeyReveal,
      },
    },
    secretHash: Buffer.from(key.secretHash),
    previousSecretHash: key.previousSecretHash ? Buffer.from(key.previousSecretHash) : null,
    previousSecretValidUntil: key.previousSecretValidUntil,
    expiresAt: key.expiresAt,
    issuedToStatus: user ? user.status : null,
  };
}

function tooManyFailures(decision: RateDecision, res: ResponseSink): KeyholeError {
  const retryAfter = Math.max(1, Math.ceil(decision.resetMs / 1000));
  res.setHeader('Retry-After', String(retryAfter));
  return new KeyholeError(
    'TOO_MANY_REQUESTS',
    `Too many requests with invalid credentials from this address. Retry in ${retryAfter} s.`,
    'rate_limited',
  );
}

/**
 * Spends one call of the key's budget (SPEC §4), records usage in memory, and writes the rate-limit
 * headers on every call; past the budget, TOO_MANY_REQUESTS with Retry-After.
 */
export async function chargeKeyRequest(
  deps: AppDeps,
  key: AuthenticatedKey,
  res: ResponseSink,
): Promise<void> {
  const limit = key.rateLimitPerMinute ?? deps.config.rateLimitPerMinute;
  const decision = await deps.counters.keyCalls.hit(key.id, limit);
  deps.keyUsage.record(key.id, deps.clock.now());
  const retryAfter = writeRateLimitHeaders(res, decision);
  if (!decision.allowed) {
    res.setHeader('Retry-After', String(retryAfter));
    throw new KeyholeError(
      'TOO_MANY_REQUESTS',
      `Rate limit of ${decision.limit} calls per minute reached for this API key. Retry in ${retryAfter} s.`,
      'rate_limited',
    );
  }
}
