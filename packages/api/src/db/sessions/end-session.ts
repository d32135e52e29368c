import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { sessions } from '../schema';

/** Deletes the session with this id; the ids of the rows deleted (none when it had already ended). */
export async function deleteSessionReturningId(db: Database, sessionId: string): Promise<{ id: string }[]> {
  return db.delete(sessions).where(eq(sessions.id, sessionId)).returning({ id: sessions.id });
}
