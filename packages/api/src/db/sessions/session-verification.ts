import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { orgs, sessions, users } from '../schema';

/** The session whose token hashes to `tokenHash`, with its user and the user's org; undefined if none. */
export async function findSessionForVerification(db: Database, tokenHash: Buffer) {
  const [row] = await db
    .select({ session: sessions, user: users, org: orgs })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(orgs, eq(orgs.id, users.orgId))
    .where(eq(sessions.tokenHash, tokenHash))
    .limit(1);
  return row;
}

/** Ends a session found idle past its lifetime. */
export async function deleteSession(db: Database, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Moves a session's lastSeenAt on (at most once per SESSION_TOUCH_MS, so reads rarely write). */
export async function touchSession(db: Database, sessionId: string, now: Date): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, sessionId));
}
