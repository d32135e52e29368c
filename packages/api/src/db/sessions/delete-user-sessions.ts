import { and, eq, ne } from 'drizzle-orm';
import type { Database } from '../create-database';
import { sessions } from '../schema';

/** Deletes every session of the user. */
export async function deleteUserSessions(tx: Database, userId: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.userId, userId));
}

/** Deletes every session of the user but `keepSessionId`. */
export async function deleteOtherUserSessions(
  tx: Database,
  userId: string,
  keepSessionId: string,
): Promise<void> {
  await tx.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)));
}
