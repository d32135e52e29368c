import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { users } from '../schema';
import type { UserRow } from './members';

/** The org and status of a user, locked FOR SHARE for the rest of the transaction; undefined if none. */
export async function lockUserForShare(
  tx: Database,
  userId: string,
): Promise<Pick<UserRow, 'orgId' | 'status'> | undefined> {
  const [user] = await tx
    .select({ orgId: users.orgId, status: users.status })
    .from(users)
    .where(eq(users.id, userId))
    .for('share');
  return user;
}

/** Locks the user row FOR NO KEY UPDATE for the rest of the transaction. */
export async function lockUserForNoKeyUpdate(tx: Database, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('no key update');
}
