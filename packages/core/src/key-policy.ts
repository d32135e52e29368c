import type { OrgSettings } from './access';
import { type ErrorCode, type ErrorReason, KeyholeError } from './errors';
import { type CreatableScope, isCreatableScope, isUserScope, type Scope } from './scopes';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from './text';

export const KEY_LIMIT_PER_ORG = 10;
export const KEY_NAME_MAX_LENGTH = 100;
export const RATE_LIMIT_MIN = 1;
export const RATE_LIMIT_MAX = 100000;
export const MAX_OVERLAP_SECONDS = 86400;

export type PolicyFailure = { ok: false; code: ErrorCode; reason?: ErrorReason; message: string };
export type PolicyResult<T = void> = { ok: true; value: T } | PolicyFailure;

const OK: PolicyResult = Object.freeze({ ok: true, value: undefined });

function fail(code: ErrorCode, message: string, reason?: ErrorReason): PolicyFailure {
  return reason === undefined ? { ok: false, code, message } : { ok: false, code, reason, message };
}

/** For services that prefer throwing: returns the value or throws the matching KeyholeError. */
export function unwrapPolicy<T>(result: PolicyResult<T>): T {
  if (result.ok) return result.value;
  throw new KeyholeError(result.code, result.message, result.reason);
}

/** Names are counted in code points, so an emoji is one character, as the admin sees it. */
export function normalizeKeyName(raw: string): PolicyResult<string> {
  const name = raw.trim();
  if (name.length === 0) return fail('BAD_REQUEST', 'name must not be empty');
  // The CLI reaches here without the API's input schemas, so the rule lives with the name.
  if (!isStorableText(name)) return fail('BAD_REQUEST', `name ${UNSTORABLE_TEXT_MESSAGE}`);
  if ([...name].length > KEY_NAME_MAX_LENGTH) {
    return fail('BAD_REQUEST', `name must be at most ${KEY_NAME_MAX_LENGTH} characters`);
  }
  return { ok: true, value: name };
}

export function checkKeyLimit(activeKeyCount: number): PolicyResult {
  if (activeKeyCount >= KEY_LIMIT_PER_ORG) {
    return fail(
      'CONFLICT',
      `This organization already has ${KEY_LIMIT_PER_ORG} API keys, the maximum. Revoke a key that is no longer in use to free a slot, then try again.`,
      'key_limit_reached',
    );
  }
  return OK;
}

/**
 * One NOT_FOUND for "no such user" and "user of another org", so a key form cannot be used to
 * probe which user ids exist elsewhere.
 */
export function checkIssuedTo(
  scope: CreatableScope,
  issuedToUserId: string | undefined | null,
  user: { orgId: string; status: 'active' | 'deactivated' } | null,
  orgId: string,
): PolicyResult {
  // The type already says so, but input reaches here from the wire; legacy must stay uncreatable.
  if (!isCreatableScope(scope)) return fail('BAD_REQUEST', 'scope must be one of the creatable scopes');
  if (!isUserScope(scope)) {
    if (issuedToUserId !== undefined && issuedToUserId !== null) {
      return fail('BAD_REQUEST', 'issuedToUserId is not allowed for organization-scoped keys');
    }
    return OK;
  }
  if (issuedToUserId === undefined || issuedToUserId === null || issuedToUserId === '') {
    return fail('BAD_REQUEST', 'issuedToUserId is required for user-scoped keys');
  }
  if (user === null || user.orgId !== orgId) {
    return fail('NOT_FOUND', 'issuedToUserId: no such user in this organization');
  }
  if (user.status === 'deactivated') {
    return fail(
      'PRECONDITION_FAILED',
      'issuedToUserId names a deactivated user; reactivate them or choose another user',
    );
  }
  return OK;
}

export function checkMutable(scope: Scope): PolicyResult {
  if (scope === 'legacy') {
    return fail(
      'PRECONDITION_FAILED',
      'Legacy keys are read-only: they can be copied or revoked, but not renamed or regenerated.',
      'legacy_read_only',
    );
  }
  return OK;
}

export function checkExpiresAt(expiresAt: Date | null | undefined, now: Date): PolicyResult {
  if (expiresAt === null || expiresAt === undefined) return OK;
  if (Number.isNaN(expiresAt.getTime())) return fail('BAD_REQUEST', 'expiresAt must be a valid date');
  if (expiresAt.getTime() <= now.getTime()) return fail('BAD_REQUEST', 'expiresAt must be in the future');
  return OK;
}

/** null/undefined mean "use the server default" and pass through as null. */
export function checkRateLimitPerMinute(value: number | null | undefined): PolicyResult<number | null> {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (!Number.isInteger(value) || value < RATE_LIMIT_MIN || value > RATE_LIMIT_MAX) {
    return fail(
      'BAD_REQUEST',
      `rateLimitPerMinute must be a whole number from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX}, or null for the server default`,
    );
  }
  return { ok: true, value };
}

export function checkOverlapSeconds(value: number | null | undefined): PolicyResult<number> {
  if (value === null || value === undefined) return { ok: true, value: 0 };
  if (!Number.isInteger(value) || value < 0 || value > MAX_OVERLAP_SECONDS) {
    return fail(
      'BAD_REQUEST',
      `previousSecretValidForSeconds must be a whole number from 0 to ${MAX_OVERLAP_SECONDS}`,
    );
  }
  return { ok: true, value };
}

export function checkRevealAllowed(settings: Pick<OrgSettings, 'allowKeyReveal'>): PolicyResult {
  if (!settings.allowKeyReveal) {
    return fail(
      'FORBIDDEN',
      'Copying keys is turned off for this organization (setting allowKeyReveal).',
      'reveal_disabled',
    );
  }
  return OK;
}
