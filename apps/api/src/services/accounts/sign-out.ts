import { eq } from 'drizzle-orm';
import type { Database } from '../../db/create-database';
import { sessions } from '../../db/schema';

/** Ends one session: its token stops working at once, whoever holds a copy of the cookie. */
export async function signOut(db: Database, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}
