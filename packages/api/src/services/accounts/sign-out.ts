import { sessionRequiredError } from '../../auth/authority';
import type { Database } from '../../db';
import { deleteSessionReturningId } from '../../db/sessions/end-session';

/**
 * Ends one session: its token stops working at once, whoever holds a copy of the cookie. A session
 * that ended while the request was on its way (signed out elsewhere, a password change, a
 * deactivation) is refused as a fresh request would be.
 */
export async function signOut(db: Database, sessionId: string): Promise<void> {
  const ended = await deleteSessionReturningId(db, sessionId);
  if (ended.length === 0) throw sessionRequiredError();
}
