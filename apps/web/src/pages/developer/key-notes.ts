import { formatDateTime } from '../../lib/format';

/** Why a listed key will not work right now (SPEC §2): the admin must see it on the row. */
export interface KeyWarning {
  kind: 'expired' | 'user_deactivated';
  text: string;
}

interface KeyFacts {
  expiresAt: string | null;
  issuedTo: { name: string; status: 'active' | 'deactivated' } | null;
}

export function keyWarnings(key: KeyFacts, now: Date): KeyWarning[] {
  const warnings: KeyWarning[] = [];
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= now.getTime()) {
    warnings.push({
      kind: 'expired',
      text: `Expired ${formatDateTime(key.expiresAt)}: requests with this key fail. Delete it to free its slot.`,
    });
  }
  if (key.issuedTo?.status === 'deactivated') {
    warnings.push({
      kind: 'user_deactivated',
      text: `${key.issuedTo.name} is deactivated: requests with this key fail until they are reactivated.`,
    });
  }
  return warnings;
}

/** "n of 10 keys used", and why Add API key is off when the org is at its limit. */
export function keySlots(
  used: number,
  limit: number,
): { summary: string; full: boolean; reason: string | null } {
  const full = used >= limit;
  return {
    summary: `${used} of ${limit} keys used`,
    full,
    reason: full
      ? `Your organization has reached its limit of ${limit} API keys. Delete a key you no longer need to free a slot.`
      : null,
  };
}
