import { selectActiveAdmins } from '../../db/users/active-admins';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';

/**
 * Whom a member can ask for what only admins may do: the org's active admins, names and emails only
 * (no ids, roles or dates: every member may read this).
 */
export async function listOrgAdmins(deps: AppDeps, actor: Actor): Promise<{ name: string; email: string }[]> {
  return selectActiveAdmins(deps.db, actor.orgId);
}
