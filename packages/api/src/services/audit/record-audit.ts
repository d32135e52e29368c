import type { AuditAction } from '@keyhole/core';
import type { Database } from '../../db';
import { insertAuditEvent } from '../../db/audit/insert-event';

export interface AuditActor {
  type: 'user' | 'system';
  id: string | null;
  email: string | null;
}

export interface AuditTarget {
  type: string;
  id: string;
  name: string | null;
}

/** Where the change came from, for the `ip` and `userAgent` of the event. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

/** SPEC §9 "Logs": a stored user agent is at most this many characters. */
export const MAX_STORED_USER_AGENT = 512;

/** The user agent as stored (audit events, session rows): cut to 512 characters, never mid-surrogate. */
export function storedUserAgent(userAgent: string | null | undefined): string | null {
  if (userAgent === null || userAgent === undefined) return null;
  if (userAgent.length <= MAX_STORED_USER_AGENT) return userAgent;
  let cut = userAgent.slice(0, MAX_STORED_USER_AGENT);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

export interface AuditInput {
  orgId: string;
  at: Date;
  actor: AuditActor | null;
  action: AuditAction;
  target: AuditTarget | null;
  /** Never a secret or a password: callers pass names, ids and flags only. */
  details?: Record<string, unknown>;
  origin?: RequestOrigin | null;
}

/** Writes one audit event. Call it with the transaction that makes the change, so both land or neither. */
export async function recordAudit(tx: Database, e: AuditInput): Promise<void> {
  await insertAuditEvent(tx, {
    orgId: e.orgId,
    at: e.at,
    actorType: e.actor?.type ?? null,
    actorId: e.actor?.id ?? null,
    actorEmail: e.actor?.email ?? null,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: e.target?.id ?? null,
    targetName: e.target?.name ?? null,
    details: e.details ?? {},
    ip: e.origin?.ip ?? null,
    userAgent: storedUserAgent(e.origin?.userAgent),
  });
}

export const userActor = (u: { id: string; email: string | null }): AuditActor => ({
  type: 'user',
  id: u.id,
  email: u.email,
});
export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: null, email: null };

/** A user as an audit event names them (members, password changes, sign-ins). */
export const userTarget = (u: { id: string; email: string }): AuditTarget => ({
  type: 'user',
  id: u.id,
  name: u.email,
});
