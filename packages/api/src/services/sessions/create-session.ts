import { hashSessionToken, newSessionToken } from '../../auth/session-token';
import type { Database } from '../../db';
import { insertSession } from '../../db/sessions/insert-session';
import {
  type AuditTarget,
  type RequestOrigin,
  recordAudit,
  storedUserAgent,
  userActor,
} from '../audit/record-audit';

/**
 * Starts a session for a user and returns the cookie token (only its hash is stored).
 * `passwordEnteredAt`: when the user last typed the password for it (step-up, SPEC §5), null if never.
 */
export async function createSession(
  db: Database,
  userId: string,
  now: Date,
  origin: RequestOrigin | null,
  passwordEnteredAt: Date | null,
): Promise<string> {
  const token = newSessionToken();
  await insertSession(db, {
    tokenHash: hashSessionToken(token),
    userId,
    createdAt: now,
    lastSeenAt: now,
    passwordEnteredAt,
    ip: origin?.ip ?? null,
    userAgent: storedUserAgent(origin?.userAgent),
  });
  return token;
}

/**
 * Sign-up and sign-in end alike: a new session for the user, the password just entered, and its
 * audit row, in the caller's transaction (both land or neither). Returns the cookie token.
 */
export async function openAuditedSession(
  tx: Database,
  e: {
    user: { id: string; email: string };
    orgId: string;
    now: Date;
    origin: RequestOrigin;
    action: 'auth.signed_in' | 'auth.signed_up';
    target: AuditTarget;
  },
): Promise<string> {
  const token = await createSession(tx, e.user.id, e.now, e.origin, e.now);
  await recordAudit(tx, {
    orgId: e.orgId,
    at: e.now,
    actor: userActor(e.user),
    action: e.action,
    target: e.target,
    origin: e.origin,
  });
  return token;
}
