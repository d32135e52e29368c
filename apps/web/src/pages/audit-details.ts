import { isScope, SCOPE_INFO } from '@keyhole/core';
import { formatDateTime, formatDuration } from '../lib/format';

/**
 * The actor of what no person did: the CLI and seeds, and Keyhole itself (a leak report's revoke, a
 * webhook turned off after failures). "CLI" alone would mislabel the automatic ones.
 */
export const SYSTEM_ACTOR = 'Keyhole (system)';

/** Whom an id names, from the org's members. */
export type People = ReadonlyMap<string, { name: string; email: string }>;

const FIELD_LABELS: Record<string, string> = {
  scope: 'Scope',
  clientKey: 'Client key',
  issuedToUserId: 'Issued to',
  expiresAt: 'Expires',
  rateLimitPerMinute: 'Rate limit',
  previousName: 'Previous name',
  name: 'Name',
  previousSecretValidForSeconds: 'Old secret kept for',
  previousSecretValidUntil: 'Old secret valid until',
  minted: 'Origin',
  role: 'Role',
  linkedMeetings: 'Linked meetings',
  from: 'From',
  to: 'To',
  reason: 'Reason',
  until: 'Key actions allowed until',
  url: 'Found at',
  source: 'Found in',
  which: 'Secret',
  action: 'Action taken',
  webhooksDisabled: 'Webhooks turned off',
  webhooksDeleted: 'Webhooks deleted',
};

const SETTING_LABELS: Record<string, string> = {
  orgFullKeysIncludePrivate: 'Organization – full access keys include private meetings',
  allowKeyReveal: 'Admins can copy existing keys',
  leakedKeyAction: 'When a scanner finds a key published',
};

const LEAKED_KEY_ACTION_LABELS: Record<string, string> = {
  revoke: 'revoke it',
  notify: 'keep it and warn',
};

/**
 * Details come back in the database's key order (jsonb sorts keys by length), which for a leak
 * report puts "which secret" before "where": a reader wants where, then what was done.
 */
const DETAIL_ORDER: Record<string, readonly string[]> = {
  'key.leaked': ['url', 'source', 'which', 'action', 'clientKey', 'webhooksDisabled'],
};

/** What Keyhole did with a reported key (`key.leaked`'s `action`). */
const LEAK_ACTION_LABELS: Record<string, string> = {
  revoked: 'Revoked at once',
  flagged: 'Kept working and flagged',
  overlap_ended: 'Previous secret’s overlap ended; the current secret keeps working',
};

const LEAKED_SECRET_LABELS: Record<string, string> = {
  current: 'Current secret',
  previous: 'Previous secret (still in its regenerate overlap)',
};

/** The `source` values GitHub's partner payload sends that we know of; any other is shown as sent. */
const LEAK_SOURCE_LABELS: Record<string, string> = {
  content: 'Repository content',
  commit: 'Commit',
  pull_request_title: 'Pull request title',
  pull_request_description: 'Pull request description',
  pull_request_comment: 'Pull request comment',
  issue_title: 'Issue title',
  issue_description: 'Issue description',
  issue_comment: 'Issue comment',
  discussion_title: 'Discussion title',
  discussion_body: 'Discussion body',
  discussion_comment: 'Discussion comment',
  commit_comment: 'Commit comment',
  gist_content: 'Gist',
  gist_comment: 'Gist comment',
  npm: 'npm package',
  unknown: 'Unknown',
};

const VALUE_LABELS: Record<string, string> = {
  admin: 'Admin',
  member: 'Member',
  active: 'Active',
  deactivated: 'Deactivated',
  wrong_password: 'Wrong email or password',
};

/** A person by name, with the email that tells two of the same name apart. */
export function personLabel(id: string, people: People): string {
  const p = people.get(id);
  return p ? `${p.name} (${p.email})` : id;
}

function plain(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function fieldValue(field: string, value: unknown, people: People, action: string): string {
  if (field === 'scope' && isScope(value)) return SCOPE_INFO[value].label;
  if (field === 'issuedToUserId' && typeof value === 'string') return personLabel(value, people);
  if (
    (field === 'expiresAt' || field === 'previousSecretValidUntil' || field === 'until') &&
    typeof value === 'string'
  )
    return formatDateTime(value);
  if (field === 'rateLimitPerMinute' && typeof value === 'number')
    return `${value.toLocaleString()} per minute`;
  if (field === 'previousSecretValidForSeconds' && typeof value === 'number')
    return value === 0 ? 'not kept' : formatDuration(value);
  if (field === 'minted' && typeof value === 'boolean')
    return value ? 'Minted by the CLI' : 'Imported key string';
  if (field === 'reason' && action === 'auth.sign_in_failed' && value === 'deactivated')
    return 'Account deactivated';
  // Confirming in a session: the email is known, only the password can be wrong.
  if (field === 'reason' && action === 'auth.password_confirm_failed' && value === 'wrong_password')
    return 'Wrong password';
  if (action === 'key.leaked' && typeof value === 'string') {
    const label =
      field === 'action'
        ? LEAK_ACTION_LABELS[value]
        : field === 'which'
          ? LEAKED_SECRET_LABELS[value]
          : field === 'source'
            ? LEAK_SOURCE_LABELS[value]
            : undefined;
    if (label) return label;
  }
  if (field === 'reason' && action === 'key.revoked' && value === 'leaked')
    return 'Reported as published by a secret scanner';
  if (typeof value === 'string' && VALUE_LABELS[value]) return VALUE_LABELS[value];
  return plain(value);
}

function settingValue(setting: string, value: unknown): string {
  if (setting === 'leakedKeyAction' && typeof value === 'string' && LEAKED_KEY_ACTION_LABELS[value])
    return LEAKED_KEY_ACTION_LABELS[value];
  return plain(value);
}

/** A settings change as "setting: before → after", naming only what changed. */
function settingsChanges(before: unknown, after: unknown): { label: string; value: string }[] {
  if (typeof before !== 'object' || typeof after !== 'object' || !before || !after) return [];
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  return Object.keys(a)
    .filter((k) => b[k] !== a[k])
    .map((k) => ({
      label: SETTING_LABELS[k] ?? k,
      value: `${settingValue(k, b[k])} → ${settingValue(k, a[k])}`,
    }));
}

/**
 * An event's details as a person reads them: labelled fields, people by name, scopes by their label,
 * times in the reader's zone (named). Empty fields (no expiry, no rate limit…) say nothing, so they
 * are left out.
 */
export function describeDetails(
  action: string,
  details: Record<string, unknown> | null | undefined,
  people: People,
): { label: string; value: string }[] {
  const d = details ?? {};
  if (action === 'org.settings_updated' && 'before' in d && 'after' in d) {
    return settingsChanges(d.before, d.after);
  }
  const order = DETAIL_ORDER[action];
  const rank = (k: string) => {
    const i = order?.indexOf(k) ?? -1;
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => ({ label: FIELD_LABELS[k] ?? k, value: fieldValue(k, v, people, action) }));
}

/** The same as one line of text, for the CSV export. */
export function detailsText(
  action: string,
  details: Record<string, unknown> | null | undefined,
  people: People,
): string {
  return describeDetails(action, details, people)
    .map((e) => `${e.label}: ${e.value}`)
    .join('; ');
}
