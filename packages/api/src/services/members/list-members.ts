import type { Database } from '../../db';
import { selectOrgMembers } from '../../db/users/members';
import { toUserView, type UserView } from '../accounts/views';

/** Every user of the org, deactivated ones included, oldest first. */
export async function listMembers(db: Database, orgId: string): Promise<UserView[]> {
  const rows = await selectOrgMembers(db, orgId);
  return rows.map(toUserView);
}
