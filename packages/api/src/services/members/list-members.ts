import { selectOrgMembers } from '../../db/users/members';
import type { AppDeps } from '../../deps';
import { toUserView, type UserView } from '../accounts/views';
import type { Actor } from '../actor';

/** Every user of the org, deactivated ones included, oldest first. */
export async function listMembers(deps: AppDeps, actor: Actor): Promise<UserView[]> {
  const rows = await selectOrgMembers(deps.db, actor.orgId);
  return rows.map(toUserView);
}
