import { KEY_LIMIT_PER_ORG, LEAK_REPORT_LIMITS } from '@keyhole/core';
import { selectRevokedForLeak } from '../../db/keys/leaked';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { type KeyView, selectKeyViews } from './views';

/** SPEC §5: a key a leak report revoked, kept in view for 30 days so the admin learns why it went. */
export interface RevokedForLeakView {
  id: string;
  name: string;
  clientKey: string;
  leakedAt: string | null;
  leakedUrl: string | null;
}

/**
 * Every key of the org that is not revoked, newest first, how many of the 10 slots they use, and the
 * keys revoked for a leak in the last 30 days (newest revoke first).
 */
export async function listKeys(
  deps: AppDeps,
  actor: Actor,
): Promise<{ keys: KeyView[]; limit: number; used: number; revokedForLeak: RevokedForLeakView[] }> {
  const keys = await selectKeyViews(
    deps.db,
    actor.orgId,
    undefined,
    (id) => deps.keyUsage.pendingFor(id).lastUsedAt,
  );
  const since = new Date(deps.clock.now().getTime() - LEAK_REPORT_LIMITS.revokedForLeakVisibleMs);
  const revoked = await selectRevokedForLeak(deps.db, actor.orgId, since);
  return {
    keys,
    limit: KEY_LIMIT_PER_ORG,
    used: keys.length,
    revokedForLeak: revoked.map((r) => ({
      id: r.id,
      name: r.name,
      clientKey: r.clientKey,
      leakedAt: r.leakedAt?.toISOString() ?? null,
      leakedUrl: r.leakedUrl,
    })),
  };
}
