import { hashSessionToken, newSessionToken } from '../../auth/session-token';
import type { Database } from '../../db';
import { insertSession } from '../../db/sessions/insert-session';
import { type RequestOrigin, storedUserAgent } from '../audit/record-audit';

/** Starts a session for a user and returns the cookie token (only its hash is stored). */
export async function createSession(
  db: Database,
  userId: string,
  now: Date,
  origin: RequestOrigin | null = null,
): Promise<string> {
  const token = newSessionToken();
  await insertSession(db, {
    tokenHash: hashSessionToken(token),
    userId,
    createdAt: now,
    lastSeenAt: now,
    ip: origin?.ip ?? null,
    userAgent: storedUserAgent(origin?.userAgent),
  });
  return token;
}
