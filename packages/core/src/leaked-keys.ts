/**
 * Leaked keys (SPEC §12): what an org does when a secret scanner reports one of its live keys, and
 * the bounds of a report. Pure rules; the endpoint (apps/server) and the use case (packages/api) apply them.
 */

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
