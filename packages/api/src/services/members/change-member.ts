import type { AuditAction } from '@keyhole/core';
import type { Database } from '../../db';
import type { UserRow } from '../../db/users/members';
import type { AppDeps } from '../../deps';
import { toUserView, type UserView } from '../accounts/views';
import type { SessionActor } from '../actor';
import { userTarget } from '../audit/record-audit';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { memberOfOrg } from './member-rows';

/** A change to one member, decided by `apply`; null when there is nothing to change. */
export interface MemberChange {
  updated: UserRow;
  action: AuditAction;
  details: Record<string, unknown>;
}

/**
 * The unit of work every change to a member runs in: under the org lock (the last-admin rule needs
 * it), the member of this org or NOT_FOUND, the change, its audit row, and the event that tells every
 * process's key caches the user changed. A change to the state the member is already in is a no-op.
 */
export async function changeMember(
  deps: AppDeps,
  actor: SessionActor,
  userId: string,
  write: IdempotentWrite | undefined,
  apply: (tx: Database, target: UserRow, now: Date) => Promise<MemberChange | null>,
): Promise<UserView> {
  const user = await audited(
    deps,
    actor,
    async (tx, audit, { now, publish }) => {
      const target = await memberOfOrg(tx, actor.orgId, userId);
      const change = await apply(tx, target, now);
      if (!change) return target;
      await audit(change.action, userTarget(target), change.details);
      publish({ kind: 'user', id: target.id });
      return change.updated;
    },
    { write, answerOf: toUserView, lockOrg: true },
  );
  return toUserView(user);
}
