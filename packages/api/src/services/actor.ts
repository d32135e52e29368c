import {
  type Authority,
  type KeyAuthority,
  type SessionAuthority,
  SYSTEM_AUTHORITY,
  type SystemAuthority,
} from '../auth/authority';
import type { RequestOrigin } from './audit/record-audit';

/** The user a request acts as: the audit event's actor, the creator of what it makes. */
export interface ActorUser {
  id: string;
  /** Null only where an in-process caller does not know it (bench); requests always have it. */
  email: string | null;
}

/**
 * Who is acting, the one shape every use case takes: the org they act in, the user (null for the
 * system: the CLI, the seeds, tests), where the request came from (null in-process), and what it
 * was authorised as — the authority `audited` re-checks inside the transaction (`lockActor`).
 */
export interface Actor<A extends Authority = Authority> {
  orgId: string;
  user: ActorUser | null;
  origin: RequestOrigin | null;
  authority: A;
}

/** A signed-in user's request (sessionProcedure, adminProcedure). */
export interface SessionActor extends Actor<SessionAuthority> {
  user: { id: string; email: string };
  origin: RequestOrigin & { ip: string };
}

/** An API key's own request (keyProcedure): in the name of the user it is issued to, if any. */
export interface KeyActor extends Actor<KeyAuthority> {
  origin: RequestOrigin & { ip: string };
}

/** The CLI and the seeds acting on an org: nothing to re-check, audited as the system. */
export function systemActor(orgId: string): Actor<SystemAuthority> {
  return { orgId, user: null, origin: null, authority: SYSTEM_AUTHORITY };
}

/**
 * An in-process caller (seeds, bench) acting in a user's name without a request: audited as that
 * user, nothing to re-check.
 */
export function inProcessActor(orgId: string, user: ActorUser): Actor<SystemAuthority> {
  return { orgId, user, origin: null, authority: SYSTEM_AUTHORITY };
}
