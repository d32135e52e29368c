import { KEY_LIMIT_PER_ORG } from '@keyhole/core';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { type KeyView, selectKeyViews } from './views';

/** Every key of the org that is not revoked, newest first, and how many of the 10 slots they use. */
export async function listKeys(
  deps: AppDeps,
  actor: Actor,
): Promise<{ keys: KeyView[]; limit: number; used: number }> {
  const keys = await selectKeyViews(
    deps.db,
    actor.orgId,
    undefined,
    (id) => deps.keyUsage.pendingFor(id).lastUsedAt,
  );
  return { keys, limit: KEY_LIMIT_PER_ORG, used: keys.length };
}
