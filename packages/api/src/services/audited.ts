import type { AuditAction } from '@keyhole/core';
import { lockActor } from '../auth/lock-actor';
import type { Database } from '../db';
import type { OrgRow } from '../db/orgs/lock-org';
import type { AppDeps } from '../deps';
import type { ChangeEvent } from '../lib/change-feed';
import type { Actor } from './actor';
import { type AuditTarget, recordAudit, SYSTEM_ACTOR, userActor } from './audit/record-audit';
import type { IdempotentWrite } from './idempotency/run-idempotent';
import { lockOrg } from './org/lock-org';

/** Writes one audit event of the unit of work: orgId, time, actor and origin come from the unit. */
export type AuditWriter = (
  action: AuditAction,
  target: AuditTarget | null,
  details?: Record<string, unknown>,
) => Promise<void>;

/** What `work` gets besides the transaction and the audit writer. */
export interface UnitOfWork<Org extends OrgRow | null = OrgRow | null> {
  /** The one instant of the change (deps.clock, read once). */
  now: Date;
  /** The org row, held `FOR NO KEY UPDATE`, when the unit asked for it (`lockOrg: true`). */
  org: Org;
  /** A change that caches must hear about, published after the commit (never on a rollback). */
  publish(event: ChangeEvent): void;
}

export interface AuditedOptions<T> {
  /** The request's `Idempotency-Key`: claimed first in the transaction, the answer recorded last. */
  write?: IdempotentWrite;
  /** What a repeat of the request is answered with (default: the result). */
  answerOf?: (result: T) => unknown;
  /**
   * Take the org row `FOR NO KEY UPDATE` before the actor's rows: the rules that count or compare
   * across the org (the 10-key limit, last admin, roles, statuses, settings) then run one at a time.
   */
  lockOrg?: boolean;
  /** The instant of the change, when the use case already checked its input against it. */
  now?: Date;
  /**
   * Rows to lock before the actor's (without `lockOrg`): e.g. the user row a password change
   * replaces, so two such changes queue instead of deadlocking on the actor's shared lock.
   */
  lockFirst?: (tx: Database) => Promise<void>;
}

/**
 * One audited unit of work for a mutation: the transaction, its `Idempotency-Key` claim and record,
 * `now`, the org lock when asked for, the re-check of the actor's authority (`lockActor`, FOR SHARE
 * on the actor's own rows; SPEC §9 "Re-checked authority"), the audit writer, and the change events,
 * published in order once the transaction has committed.
 *
 * Lock order: the org row first (when asked; else `lockFirst`'s rows), then the actor's rows, then
 * whatever `work` locks, so no transaction waits for the org row while holding a user row.
 */
export function audited<T>(
  deps: AppDeps,
  actor: Actor,
  work: (tx: Database, audit: AuditWriter, unit: UnitOfWork<OrgRow>) => Promise<T>,
  options: AuditedOptions<T> & { lockOrg: true },
): Promise<T>;
export function audited<T>(
  deps: AppDeps,
  actor: Actor,
  work: (tx: Database, audit: AuditWriter, unit: UnitOfWork<null>) => Promise<T>,
  options?: AuditedOptions<T>,
): Promise<T>;
export async function audited<T>(
  deps: AppDeps,
  actor: Actor,
  // The overloads say which UnitOfWork `work` gets (the org row only with `lockOrg: true`).
  work: (tx: Database, audit: AuditWriter, unit: never) => Promise<T>,
  options: AuditedOptions<T> = {},
): Promise<T> {
  const now = options.now ?? deps.clock.now();
  const answerOf = options.answerOf ?? ((result: T) => result);
  const events: ChangeEvent[] = [];
  const auditActor = actor.user ? userActor(actor.user) : SYSTEM_ACTOR;
  const result = await deps.db.transaction(async (tx) => {
    await options.write?.claim(tx);
    let org: OrgRow | null = null;
    if (options.lockOrg) {
      org = await lockOrg(tx, actor, now);
    } else {
      await options.lockFirst?.(tx);
      await lockActor(tx, actor.authority, now);
    }
    const audit: AuditWriter = (action, target, details) =>
      recordAudit(tx, {
        orgId: actor.orgId,
        at: now,
        actor: auditActor,
        action,
        target,
        details,
        origin: actor.origin,
      });
    const unit: UnitOfWork = { now, org, publish: (event) => void events.push(event) };
    const value = await work(tx, audit, unit as never);
    await options.write?.record(tx, answerOf(value));
    return value;
  });
  for (const event of events) await deps.changes.publish(event);
  return result;
}
