import { hashSessionToken, newSessionToken } from '../../auth/session-token';
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
