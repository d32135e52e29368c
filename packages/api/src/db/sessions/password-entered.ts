import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { sessions } from '../schema';

/** Step-up (SPEC §5): the password was entered again in this session at `at`. */
export async function markPasswordEntered(db: Database, sessionId: string, at: Date): Promise<void> {
  await db.update(sessions).set({ passwordEnteredAt: at }).where(eq(sessions.id, sessionId));
}

/**
 * Holds the session row for the stamp before anything takes a shared lock on it, so two confirms
 * of one session (a batch, two tabs) queue instead of deadlocking on lockActor's FOR SHARE.
 */
export async function lockSessionForNoKeyUpdate(db: Database, sessionId: string): Promise<void> {
  await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, sessionId)).for('no key update');
}
