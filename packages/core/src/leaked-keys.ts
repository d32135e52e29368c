/**
 * Leaked keys (SPEC §12): what an org does when a secret scanner reports one of its live keys, and
 * the bounds of a report. Pure rules; the endpoint (apps/server) and the use case (packages/api) apply them.
 */

import {
  isClientKeyShape,
  isSecretChecksumValid,
  MAX_KEY_STRING_LENGTH,
  passesKeyPrecheck,
  SECRET_PREFIX,
  splitAnyKeyString,
} from './key-format';

export const LEAKED_KEY_ACTIONS = ['revoke', 'notify'] as const;
export type LeakedKeyAction = (typeof LEAKED_KEY_ACTIONS)[number];
export const DEFAULT_LEAKED_KEY_ACTION: LeakedKeyAction = 'revoke';

export const LEAK_REPORT_LIMITS = {
  /** A report with more tokens than this is refused whole (413). */
  maxTokens: 1000,
  /** The raw body, in bytes, before anything is parsed or verified (413 past it). */
  maxBodyBytes: 1024 * 1024,
  /** How long a key revoked for a leak stays in `keys.list`'s `revokedForLeak`. */
  revokedForLeakVisibleMs: 30 * 24 * 60 * 60 * 1000,
} as const;

export const LEAK_LABELS = ['true_positive', 'false_positive'] as const;
export type LeakLabel = (typeof LEAK_LABELS)[number];

/**
 * What a reported token is, decided without any look-up:
 * - `key`: a full key string (`CLIENT_KEY:CLIENT_SECRET`), Keyhole's or an imported legacy one;
 * - `secret`: a secret alone (scanners often match only it; a legacy secret matches by its hash);
 * - `refused`: not a key, for free: a Keyhole-prefixed token whose shape or checksum fails (the
 *   checksum exists so that such a token never costs a database read), a client key alone (public),
 *   or text no key can be (too long, other characters).
 */
export type ReportedToken =
  | { kind: 'key'; clientKey: string; secret: string }
  | { kind: 'secret'; secret: string }
  | { kind: 'refused' };

const IMPORTED_PART = /^[A-Za-z0-9_.-]+$/;

export function classifyReportedToken(token: string): ReportedToken {
  if (token.length === 0 || token.length > MAX_KEY_STRING_LENGTH) return { kind: 'refused' };
  if (token.includes(':')) {
    const parsed = splitAnyKeyString(token);
    if (!parsed || !passesKeyPrecheck(parsed.clientKey, parsed.secret)) return { kind: 'refused' };
    return { kind: 'key', clientKey: parsed.clientKey, secret: parsed.secret };
  }
  if (!IMPORTED_PART.test(token) || isClientKeyShape(token)) return { kind: 'refused' };
  if (token.startsWith(SECRET_PREFIX) && !isSecretChecksumValid(token)) return { kind: 'refused' };
  return { kind: 'secret', secret: token };
}
