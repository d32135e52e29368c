import { asc, eq } from 'drizzle-orm';
import { users } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { toUserView, type UserView } from '../accounts/views';
import type { Actor } from '../actor';

/** Every user of the org, deactivated ones included, oldest first. */
export async function listMembers(deps: AppDeps, actor: Actor): Promise<UserView[]> {
  const rows = await deps.db
    .select()
    .from(users)
    .where(eq(users.orgId, actor.orgId))
    .orderBy(asc(users.createdAt), asc(users.id));
  return rows.map(toUserView);
}
