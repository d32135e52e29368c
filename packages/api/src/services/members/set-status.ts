import { KeyholeError, type UserStatus } from '@keyhole/core';
import { deleteUserSessions } from '../../db/sessions/delete-user-sessions';
import { setUserStatus } from '../../db/users/member-writes';
import type { AppDeps } from '../../deps';
import { toUserView, type UserView } from '../accounts/views';
import type { SessionActor } from '../actor';
import { userTarget } from '../audit/record-audit';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { keepAnActiveAdmin, memberOfOrg } from './member-rows';

/**
 * Deactivates or reactivates a member. Deactivation deletes the user's sessions in the same
 * transaction and tells key caches (every process) that the user changed, so their sessions and
 * user-scoped keys stop working on the very next request. Reactivation brings the keys back.
 */
export async function setMemberStatus(
  deps: AppDeps,
  actor: SessionActor,
  input: { userId: string; status: UserStatus },
  write?: IdempotentWrite,
): Promise<UserView> {
  const user = await audited(
    deps,
    actor,
    async (tx, audit, { now, publish }) => {
      const target = await memberOfOrg(tx, actor.orgId, input.userId);
      if (input.status === 'deactivated' && target.id === actor.user.id) {
        throw new KeyholeError(
          'PRECONDITION_FAILED',
          'You cannot deactivate yourself: ask another admin to do it.',
          'self_deactivation',
        );
      }
      if (target.status === input.status) return target;
      await keepAnActiveAdmin(
        tx,
        actor.orgId,
        target,
        target.role === 'admin' && input.status === 'deactivated',
        'deactivate',
      );
      const updated = await setUserStatus(tx, target.id, input.status, now);
      if (input.status === 'deactivated') await deleteUserSessions(tx, target.id);
      await audit('member.status_changed', userTarget(target), { from: target.status, to: input.status });
      publish({ kind: 'user', id: target.id });
      return updated!;
    },
    { write, answerOf: toUserView, lockOrg: true },
  );
  return toUserView(user);
}
