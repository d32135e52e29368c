import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { sessions } from '../schema';

/** Step-up (SPEC §5): the password was entered again in this session at `at`. */
export async function markPasswordEntered(db: Database, sessionId: string, at: Date): Promise<void> {
  await db.update(sessions).set({ passwordEnteredAt: at }).where(eq(sessions.id, sessionId));
}
