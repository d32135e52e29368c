import type { Database } from '../db/create-database';
import { deleteSession, findSessionForVerification, touchSession } from '../db/sessions/session-verification';
import type { OrgView, SessionUser } from './caller';
import { toOrgView } from './org-view';
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
  /** When the password was last entered in this session (step-up), null if never. */
  passwordEnteredAt: Date | null;
}

/**
 * The session behind a cookie token, or null (a request without a usable session is simply not
 * signed in). A deactivated user's session is refused here on every request (deactivation also
 * deletes them), and an idle one is deleted on sight. Writes no cookie.
 */
export async function authenticateSession(
  db: Database,
  token: string,
  now: Date,
): Promise<AuthenticatedSession | null> {
  if (!isPlausibleSessionToken(token)) return null;
  const row = await findSessionForVerification(db, hashSessionToken(token));
  if (!row) return null;
  if (row.user.status !== 'active') return null;
  const idleMs = now.getTime() - row.session.lastSeenAt.getTime();
  if (idleMs > SESSION_IDLE_MS) {
    await deleteSession(db, row.session.id);
    return null;
  }
  const refreshed = idleMs > SESSION_TOUCH_MS;
  if (refreshed) await touchSession(db, row.session.id, now);
  const { user, org } = row;
  return {
    refreshed,
    sessionId: row.session.id,
    passwordEnteredAt: row.session.passwordEnteredAt,
    user: {
      id: user.id,
      orgId: user.orgId,
      email: user.email,
      name: user.name,
      role: user.role,
      status: user.status,
      createdAt: user.createdAt,
    },
    org: toOrgView(org),
  };
}
