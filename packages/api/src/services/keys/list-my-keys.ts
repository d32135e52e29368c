import type { Scope } from '@keyhole/core';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { selectKeyViews } from './views';

/** SPEC §5 `keys.mine`: what a member may know of a key issued to them — no client key, no secret. */
export interface MyKeyView {
  id: string;
  name: string;
  scope: Scope;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** The org's non-revoked keys issued to the acting user, newest first. */
export async function listMyKeys(deps: AppDeps, actor: Actor): Promise<{ keys: MyKeyView[] }> {
  // The system acts as no one, so no key is issued to it.
  if (actor.user === null) return { keys: [] };
  const views = await selectKeyViews(
    deps.db,
    actor.orgId,
    { issuedToUserId: actor.user.id },
    (id) => deps.keyUsage.pendingFor(id).lastUsedAt,
  );
  return {
    keys: views.map((k) => ({
      id: k.id,
      name: k.name,
      scope: k.scope,
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt,
      expiresAt: k.expiresAt,
    })),
  };
}
