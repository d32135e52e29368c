import type { Scope } from '@keyhole/core';
import type { Database } from '../../db';
import { type KeyRowFilter, selectKeyRows } from '../../db/keys/key-views';

/** SPEC §5 `KeyView`: what admins see of a key. Never the secret. */
export interface KeyView {
  id: string;
  name: string;
  scope: Scope;
  isLegacy: boolean;
  clientKey: string;
  issuedTo: { id: string; name: string; email: string; status: 'active' | 'deactivated' } | null;
  createdBy: { id: string; name: string; email: string } | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  rateLimitPerMinute: number | null;
  /** SPEC §12: when a secret scanner reported it (until revoked or regenerated), and where it was found. */
  leakedAt: string | null;
  leakedUrl: string | null;
}

/**
 * Non-revoked keys of an org matching `filter`, newest first, with the people they name (see
 * `selectKeyRows`), as views.
 */
export async function selectKeyViews(
  db: Database,
  orgId: string,
  filter?: KeyRowFilter,
  /** Usage counted in memory but not yet written, so lastUsedAt is current on this process. */
  pendingLastUsedAt: (keyId: string) => Date | null = () => null,
): Promise<KeyView[]> {
  const rows = await selectKeyRows(db, orgId, filter);
  return rows.map(({ key, issuedTo, createdBy }) => {
    const pending = pendingLastUsedAt(key.id);
    const lastUsedAt =
      pending && (key.lastUsedAt === null || pending > key.lastUsedAt) ? pending : key.lastUsedAt;
    return {
      id: key.id,
      name: key.name,
      scope: key.scope,
      isLegacy: key.scope === 'legacy',
      clientKey: key.clientKey,
      issuedTo,
      createdBy,
      createdAt: key.createdAt.toISOString(),
      lastUsedAt: lastUsedAt?.toISOString() ?? null,
      expiresAt: key.expiresAt?.toISOString() ?? null,
      rateLimitPerMinute: key.rateLimitPerMinute,
      leakedAt: key.leakedAt?.toISOString() ?? null,
      leakedUrl: key.leakedUrl,
    };
  });
}
