import { hashSessionToken, newSessionToken, SESSION_COOKIE, SESSION_IDLE_MS } from '../../auth/session-token';
import type { Database } from '../../db/create-database';
import { sessions } from '../../db/schema';
import { type RequestOrigin, storedUserAgent } from '../audit/record-audit';

/** Starts a session for a user and returns the cookie token (only its hash is stored). */
export async function createSession(
  db: Database,
  userId: string,
  now: Date,
  origin: RequestOrigin | null = null,
): Promise<string> {
  const token = newSessionToken();
  await db.insert(sessions).values({
    tokenHash: hashSessionToken(token),
    userId,
    createdAt: now,
    lastSeenAt: now,
    ip: origin?.ip ?? null,
    userAgent: storedUserAgent(origin?.userAgent),
  });
  return token;
}

export function sessionCookie(token: string, secure: boolean): string {
  const maxAge = Math.floor(SESSION_IDLE_MS / 1000);
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`;
}
