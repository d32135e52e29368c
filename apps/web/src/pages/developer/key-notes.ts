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

/** Where and when a scanner found a key (SPEC §12), as the row and the revoked list show it. */
export interface LeakNote {
  /** The ISO instant, for `<time dateTime>`. */
  at: string;
  /** In the reader's zone, named. */
  when: string;
  /** The scanner's URL: `href` only for http(s), so a `javascript:` or other scheme is never a link. */
  where: { text: string; href: string | null } | null;
}

export function leakNote(key: { leakedAt: string | null; leakedUrl: string | null }): LeakNote | null {
  if (!key.leakedAt) return null;
  return {
    at: key.leakedAt,
    when: formatDateTime(key.leakedAt),
    where: key.leakedUrl ? leakLocation(key.leakedUrl) : null,
  };
}

function leakLocation(url: string): { text: string; href: string | null } {
  let href: string | null = null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') href = parsed.href;
  } catch {
    // Not a URL at all: the scanner's text is still worth showing, just not as a link.
  }
  return { text: url, href };
}

/** The page-level alert's first sentence, naming how many listed keys are flagged. */
export function leakedKeysSummary(count: number): string {
  return count === 1 ? '1 key was found published.' : `${count} keys were found published.`;
}
