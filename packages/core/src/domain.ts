// Shared vocabularies: the database enums, the API's zod schemas and the web UI all read these
// lists, so adding a value here is the single place a new state or action comes into being.

export const MEETING_STATES = ['scheduled', 'in_progress', 'completed', 'cancelled'] as const;
export type MeetingState = (typeof MEETING_STATES)[number];
export const DEFAULT_MEETING_STATE: MeetingState = 'scheduled';

export const MEETING_SUBJECT_MAX_LENGTH = 300;

export const MEETING_ORDER_BY = ['startAt', 'createdAt', 'completedAt'] as const;
export type MeetingOrderBy = (typeof MEETING_ORDER_BY)[number];

export const SORT_DIRECTIONS = ['desc', 'asc'] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const USER_STATUSES = ['active', 'deactivated'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const AUDIT_ACTIONS = [
  'key.created',
  'key.renamed',
  'key.regenerated',
  'key.revealed',
  'key.revoked',
  'key.legacy_imported',
  'member.added',
  'member.role_changed',
  'member.status_changed',
  'member.password_changed',
  'org.settings_updated',
  'auth.signed_up',
  'auth.signed_in',
  'auth.sign_in_failed',
  // Step-up (SPEC §5): the password entered again in a signed-in session, or a wrong one.
  'auth.password_confirmed',
  'auth.password_confirm_failed',
  // A secret scanner reported one of the org's live keys (SPEC §12).
  'key.leaked',
  // Webhooks (SPEC §11).
  'webhook.subscribed',
  'webhook.unsubscribed',
  'webhook.disabled',
  'webhook.enabled',
  'webhook.deleted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ACTOR_TYPES = ['user', 'system'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

export function isMeetingState(value: unknown): value is MeetingState {
  return typeof value === 'string' && (MEETING_STATES as readonly string[]).includes(value);
}

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && (AUDIT_ACTIONS as readonly string[]).includes(value);
}
