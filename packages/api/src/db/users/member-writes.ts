import type { UserRole, UserStatus } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { users } from '../schema';
import type { UserRow } from './members';

/** Sets the user's role; the updated row, or undefined when there is no such user. */
export async function setUserRole(
  tx: Database,
  userId: string,
  role: UserRole,
  now: Date,
): Promise<UserRow | undefined> {
  const [updated] = await tx
    .update(users)
    .set({ role, updatedAt: now })
    .where(eq(users.id, userId))
    .returning();
  return updated;
}

/** Sets the user's status; the updated row, or undefined when there is no such user. */
export async function setUserStatus(
  tx: Database,
  userId: string,
  status: UserStatus,
  now: Date,
): Promise<UserRow | undefined> {
  const [updated] = await tx
    .update(users)
    .set({ status, updatedAt: now })
    .where(eq(users.id, userId))
    .returning();
  return updated;
}
