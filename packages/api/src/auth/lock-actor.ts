import { checkKeyUsable } from '@keyhole/core';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/create-database';
import { apiKeys, sessions, users } from '../db/schema';
import { invalidKeyError, secretMatches, unusableKeyError } from './authenticate-key';
import {
  type Authority,
  adminRequiredError,
  type KeyAuthority,
  type SessionAuthority,
  sessionRequiredError,
} from './authority';
import { SESSION_IDLE_MS } from './session-token';

export type ActingUser = typeof users.$inferSelect;
export type ActingKey = typeof apiKeys.$inferSelect;

/**
 * Re-reads, inside the caller's transaction, the rows the request was authorised by and holds them
 * with `FOR SHARE` until it commits: the session and its user, or the key (and the user it is
 * issued to). A sign-out, password change, deactivation, demotion, revoke or regenerate that
 * committed while the request body was on its way fails the request exactly as a fresh request
 * would fail (same code, reason and message); one that comes later waits for this transaction.
 *
 * Shared locks on the actor's own rows only, never the org row: two admins' writes in one org do
 * not queue behind each other. One statement for a session (the hot path); the system (CLI,
 * seeds) has nothing to re-check.
 */
export async function lockActor(tx: Database, authority: SessionAuthority, now: Date): Promise<ActingUser>;
export async function lockActor(
  tx: Database,
  authority: Authority,
  now: Date,
): Promise<ActingUser | ActingKey | null>;
export async function lockActor(
  tx: Database,
  authority: Authority,
  now: Date,
): Promise<ActingUser | ActingKey | null> {
  if (authority.kind === 'session') return lockSessionActor(tx, authority, now);
  if (authority.kind === 'key') return lockKeyActor(tx, authority, now);
  return null;
}

async function lockSessionActor(tx: Database, a: SessionAuthority, now: Date): Promise<ActingUser> {
  const [row] = await tx
    .select({ user: users, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, a.sessionId), eq(users.id, a.userId), eq(users.orgId, a.orgId)))
    .for('share');
  // As authenticateSession: signed out, ended by a password change or a deactivation, idle too long.
  if (!row) throw sessionRequiredError();
  if (row.user.status !== 'active' || now.getTime() - row.lastSeenAt.getTime() > SESSION_IDLE_MS) {
    throw sessionRequiredError();
  }
  if (a.asAdmin && row.user.role !== 'admin') throw adminRequiredError();
  return row.user;
}

async function lockKeyActor(tx: Database, a: KeyAuthority, now: Date): Promise<ActingKey> {
  const [key] = await tx
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, a.keyId), eq(apiKeys.orgId, a.orgId), isNull(apiKeys.revokedAt)))
    .for('share');
  if (!key || key.secretHash === null || !secretMatches(key, a.secretHash, now)) throw invalidKeyError();
  // The user side of an outer join cannot be locked, so a user-scoped key takes a second statement.
  const [user] =
    key.issuedToUserId === null
      ? []
      : await tx
          .select({ status: users.status })
          .from(users)
          .where(eq(users.id, key.issuedToUserId))
          .for('share');
  const usable = checkKeyUsable({ expiresAt: key.expiresAt, issuedToStatus: user?.status ?? null }, now);
  if (!usable.ok) throw unusableKeyError(usable);
  return key;
}
