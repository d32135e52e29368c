import { eq } from 'drizzle-orm';
import type { Database } from '../db/create-database';
import { orgs, sessions, users } from '../db/schema';
import type { OrgView, SessionUser } from './caller';
import {
  hashSessionToken,
  isPlausibleSessionToken,
  SESSION_IDLE_MS,
  SESSION_TOUCH_MS,
} from './session-token';

export interface AuthenticatedSession {
  sessionId: string;
  user: SessionUser;
  org: OrgView;
  /** lastSeenAt moved on in this request: the caller re-sends the cookie so its Max-Age moves too. */
  refreshed: boolean;
}

/**
 * The session behind a cookie token, or null. A deactivated user's session is refused here on every
 * request (deactivation also deletes them), and an idle one is deleted on sight.
 */
export async function authenticateSession(
  db: Database,
  token: string,
  now: Date,
): Promise<AuthenticatedSession | null> {
  if (!isPlausibleSessionToken(token)) return null;
  const [row] = await db
    .select({ session: sessions, user: users, org: orgs })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(orgs, eq(orgs.id, users.orgId))
    .where(eq(sessions.tokenHash, hashSessionToken(token)))
    .limit(1);
  if (!row) return null;
  if (row.user.status !== 'active') return null;
  const idleMs = now.getTime() - row.session.lastSeenAt.getTime();
  if (idleMs > SESSION_IDLE_MS) {
    await db.delete(sessions).where(eq(sessions.id, row.session.id));
    return null;
  }
  const refreshed = idleMs > SESSION_TOUCH_MS;
  if (refreshed) {
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.session.id));
  }
  const { user, org } = row;
  return {
    refreshed,
    sessionId: row.session.id,
    user: {
      id: user.id,
      orgId: user.orgId,
      email: user.email,
      name: user.name,
      role: user.role,
      status: user.status,
      createdAt: user.createdAt,
    },
    org: {
      id: org.id,
      name: org.name,
      settings: {
        orgFullKeysIncludePrivate: org.orgFullKeysIncludePrivate,
        allowKeyReveal: org.allowKeyReveal,
      },
    },
  };
}
