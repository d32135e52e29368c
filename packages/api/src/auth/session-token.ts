import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'keyhole_session';
export const SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;
/** lastSeenAt is refreshed at most this often, so reads do not write on every request. */
export const SESSION_TOUCH_MS = 60 * 60 * 1000;

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this hash is stored: a copy of the sessions table cannot be replayed as cookies. */
export function hashSessionToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function isPlausibleSessionToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
