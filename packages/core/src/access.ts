import { DEFAULT_LEAKED_KEY_ACTION, type LeakedKeyAction } from './leaked-keys';
import type { Scope } from './scopes';

export interface OrgSettings {
  orgFullKeysIncludePrivate: boolean;
  allowKeyReveal: boolean;
  /** SPEC §12: what a secret scanner's report of a live key does to it. */
  leakedKeyAction: LeakedKeyAction;
}

/** The one setting the read rule depends on (callers may hand it the whole settings). */
export type AccessSettings = Pick<OrgSettings, 'orgFullKeysIncludePrivate'> & Partial<OrgSettings>;

export const DEFAULT_ORG_SETTINGS: OrgSettings = Object.freeze({
  orgFullKeysIncludePrivate: true,
  allowKeyReveal: true,
  leakedKeyAction: DEFAULT_LEAKED_KEY_ACTION,
});

export type Principal =
  | { kind: 'session'; orgId: string; userId: string }
  | { kind: 'key'; orgId: string; scope: Scope; issuedToUserId: string | null };

export interface MeetingFacts {
  orgId: string;
  hostId: string;
  isPrivate: boolean;
  attendeeUserIds: readonly string[];
}

/**
 * The rule as data, so the database layer can turn it into a WHERE clause instead of filtering
 * rows in memory. `user`: meeting in org AND ((host = userId AND (NOT private OR includeOwnPrivate))
 * OR (attendee userId AND NOT private)).
 */
export type MeetingAccess =
  | { kind: 'org'; orgId: string; includePrivate: boolean }
  | { kind: 'user'; orgId: string; userId: string; includeOwnPrivate: boolean };

// A user-scoped key row without its user is a broken invariant, not a client mistake; failing
// loudly beats guessing which meetings it should see.
function missingIssuedTo(scope: Scope): Error {
  return new Error(`A ${scope} key must carry issuedToUserId`);
}

export function meetingAccessFor(p: Principal, settings: AccessSettings): MeetingAccess {
  if (p.kind === 'session') {
    return { kind: 'user', orgId: p.orgId, userId: p.userId, includeOwnPrivate: true };
  }
  switch (p.scope) {
    case 'user_limited':
    case 'user_full':
      if (p.issuedToUserId === null) throw missingIssuedTo(p.scope);
      return {
        kind: 'user',
        orgId: p.orgId,
        userId: p.issuedToUserId,
        includeOwnPrivate: p.scope === 'user_full',
      };
    case 'org_limited':
      return { kind: 'org', orgId: p.orgId, includePrivate: false };
    case 'org_full':
      return { kind: 'org', orgId: p.orgId, includePrivate: settings.orgFullKeysIncludePrivate };
    case 'legacy':
      return { kind: 'org', orgId: p.orgId, includePrivate: true };
    default:
      return assertNever(p.scope);
  }
}

export function canReadMeeting(access: MeetingAccess, m: MeetingFacts): boolean {
  if (m.orgId !== access.orgId) return false;
  if (access.kind === 'org') return access.includePrivate || !m.isPrivate;
  if (m.hostId === access.userId) return access.includeOwnPrivate || !m.isPrivate;
  return !m.isPrivate && m.attendeeUserIds.includes(access.userId);
}

/** SPEC §2: "U can see M". */
export function userCanSee(userId: string, orgId: string, m: MeetingFacts): boolean {
  if (m.orgId !== orgId) return false;
  if (m.hostId === userId) return true;
  return m.attendeeUserIds.includes(userId) && !m.isPrivate;
}

/**
 * Deliberately a line-by-line transcription of the SPEC §2 table and NOT built on
 * meetingAccessFor: the tests hold the two against each other, so a slip in either shows up.
 */
export function canPrincipalRead(p: Principal, settings: AccessSettings, m: MeetingFacts): boolean {
  if (m.orgId !== p.orgId) return false;
  if (p.kind === 'session') return userCanSee(p.userId, p.orgId, m);
  switch (p.scope) {
    case 'user_limited':
      if (p.issuedToUserId === null) throw missingIssuedTo(p.scope);
      return userCanSee(p.issuedToUserId, p.orgId, m) && !m.isPrivate;
    case 'user_full':
      if (p.issuedToUserId === null) throw missingIssuedTo(p.scope);
      return userCanSee(p.issuedToUserId, p.orgId, m);
    case 'org_limited':
      return !m.isPrivate;
    case 'org_full':
      return !m.isPrivate || settings.orgFullKeysIncludePrivate;
    case 'legacy':
      return true;
    default:
      return assertNever(p.scope);
  }
}

export interface KeyState {
  expiresAt: Date | null;
  issuedToStatus: 'active' | 'deactivated' | null;
}

export type KeyUsable =
  | { ok: true }
  | { ok: false; code: 'UNAUTHORIZED' | 'FORBIDDEN'; reason: 'key_expired' | 'key_user_deactivated' };

/**
 * Revocation is not handled here: a revoked key is indistinguishable from an unknown one and the
 * API answers `invalid_key` before it gets this far.
 */
export function checkKeyUsable(k: KeyState, now: Date): KeyUsable {
  // Written as "not strictly in the future" so that an invalid Date (NaN) counts as expired.
  if (k.expiresAt !== null && !(k.expiresAt.getTime() > now.getTime())) {
    return { ok: false, code: 'UNAUTHORIZED', reason: 'key_expired' };
  }
  if (k.issuedToStatus === 'deactivated') {
    return { ok: false, code: 'FORBIDDEN', reason: 'key_user_deactivated' };
  }
  return { ok: true };
}

function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}
