import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/create-database';
import { users } from '../../db/schema';
import { toUserView, type UserView } from '../accounts/views';

/** Every user of the org, deactivated ones included, oldest first. */
export async function listMembers(db: Database, orgId: string): Promise<UserView[]> {
  const rows = await db
    .select()
    .from(users)
    .where(eq(users.orgId, orgId))
    .orderBy(asc(users.createdAt), asc(users.id));
  return rows.map(toUserView);
}
