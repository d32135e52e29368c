import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { users } from '../schema';

/** The org's active admins' names and emails, by name. */
export async function selectActiveAdmins(
  db: Database,
  orgId: string,
): Promise<{ name: string; email: string }[]> {
  return db
    .select({ name: users.name, email: users.email })
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.role, 'admin'), eq(users.status, 'active')))
    .orderBy(asc(users.name), asc(users.email));
}
