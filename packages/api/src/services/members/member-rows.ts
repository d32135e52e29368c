import { KeyholeError } from '@keyhole/core';
import { and, count, eq, ne } from 'drizzle-orm';
import type { Database } from '../../db/create-database';
import { users } from '../../db/schema';

/** A user of this org, or NOT_FOUND exactly as for an id that does not exist (ids of other orgs included). */
export async function memberOfOrg(tx: Database, orgId: string, userId: string) {
  const [user] = await tx
    .select()
    .from(users)
    .where(and(eq(users.id, userId), eq(users.orgId, orgId)))
    .limit(1);
  if (!user) throw new KeyholeError('NOT_FOUND', 'No such member in your organization.');
  return user;
}

/** Active admins of the org other than `userId`. Call it with the org row locked. */
export async function otherActiveAdmins(tx: Database, orgId: string, userId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(users)
    .where(
      and(eq(users.orgId, orgId), eq(users.role, 'admin'), eq(users.status, 'active'), ne(users.id, userId)),
    );
  return Number(row?.n ?? 0);
}

export const lastAdminError = (what: string) =>
  new KeyholeError(
    'PRECONDITION_FAILED',
    `Cannot ${what} the last active admin: make another member an admin first.`,
    'last_admin',
  );
