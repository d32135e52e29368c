import type { UserRole, UserStatus } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { users } from '../schema';
import type { UserRow } from './members';

/** Sets the user's role or status; the updated row, or undefined when there is no such user. */
export async function setUserAccess(
  tx: Database,
  userId: string,
  change: { role: UserRole } | { status: UserStatus },
  now: Date,
): Promise<UserRow | undefined> {
  const [updated] = await tx
    .update(users)
    .set({ ...change, updatedAt: now })
    .where(eq(users.id, userId))
    .returning();
  return updated;
}
