import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { users } from '../schema';

/** Stores a new password hash for the user. */
export async function setPasswordHash(
  tx: Database,
  userId: string,
  passwordHash: string,
  now: Date,
): Promise<void> {
  await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId));
}
