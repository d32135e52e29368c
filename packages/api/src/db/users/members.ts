import { and, asc, count, eq, ne } from 'drizzle-orm';
import type { Database } from '../create-database';
import { users } from '../schema';

export type UserRow = typeof users.$inferSelect;

/** Every user of the org, deactivated ones included, oldest first. */
export async function selectOrgMembers(db: Database, orgId: string): Promise<UserRow[]> {
  return db.select().from(users).where(eq(users.orgId, orgId)).orderBy(asc(users.createdAt), asc(users.id));
}

/** The user with this id if they belong to this org, else undefined. */
export async function selectMemberOfOrg(
  db: Database,
  orgId: string,
  userId: string,
): Promise<UserRow | undefined> {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), eq(users.orgId, orgId)))
    .limit(1);
  return user;
}

/** How many active admins the org has other than `userId`. */
export async function countOtherActiveAdmins(db: Database, orgId: string, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(
      and(eq(users.orgId, orgId), eq(users.role, 'admin'), eq(users.status, 'active'), ne(users.id, userId)),
    );
  return Number(row?.n ?? 0);
}
