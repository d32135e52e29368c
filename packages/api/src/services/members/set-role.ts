import type { UserRole } from '@keyhole/core';
import { setUserRole } from '../../db/users/member-writes';
import type { AppDeps } from '../../deps';
import { toUserView, type UserView } from '../accounts/views';
import type { SessionActor } from '../actor';
import { userTarget } from '../audit/record-audit';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { keepAnActiveAdmin, memberOfOrg } from './member-rows';

/**
 * Makes a member an admin or an admin a member. Under the org lock, an active admin is demoted only
 * while another active admin remains, so the org always has someone who can manage it.
 * Admins may demote themselves when another admin remains.
 */
export async function setMemberRole(
  deps: AppDeps,
  actor: SessionActor,
  input: { userId: string; role: UserRole },
  write?: IdempotentWrite,
): Promise<UserView> {
  const user = await audited(
    deps,
    actor,
    async (tx, audit, { now, publish }) => {
      const target = await memberOfOrg(tx, actor.orgId, input.userId);
      if (target.role === input.role) return target;
      await keepAnActiveAdmin(
        tx,
        actor.orgId,
        target,
        target.role === 'admin' && target.status === 'active',
        'demote',
      );
      const updated = await setUserRole(tx, target.id, input.role, now);
      await audit('member.role_changed', userTarget(target), { from: target.role, to: input.role });
      publish({ kind: 'user', id: target.id });
      return updated!;
    },
    { write, answerOf: toUserView, lockOrg: true },
  );
  return toUserView(user);
}
