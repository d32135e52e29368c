import { KeyholeError, type UserStatus } from '@keyhole/core';
import { deleteUserSessions } from '../../db/sessions/delete-user-sessions';
import { setUserAccess } from '../../db/users/member-writes';
import type { AppDeps } from '../../deps';
import type { UserView } from '../accounts/views';
import type { SessionActor } from '../actor';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { changeMember } from './change-member';
import { keepAnActiveAdmin } from './member-rows';

/**
 * Deactivates or reactivates a member. Deactivation deletes the user's sessions in the same
 * transaction and tells key caches (every process) that the user changed, so their sessions and
 * user-scoped keys stop working on the very next request. Reactivation brings the keys back.
 */
export function setMemberStatus(
  deps: AppDeps,
  actor: SessionActor,
  input: { userId: string; status: UserStatus },
  write?: IdempotentWrite,
): Promise<UserView> {
  const deactivates = input.status === 'deactivated';
  return changeMember(deps, actor, input.userId, write, async (tx, target, now) => {
    if (deactivates && target.id === actor.user.id) {
      throw new KeyholeError(
        'PRECONDITION_FAILED',
        'You cannot deactivate yourself: ask another admin to do it.',
        'self_deactivation',
      );
    }
    if (target.status === input.status) return null;
    await keepAnActiveAdmin(tx, actor.orgId, target, target.role === 'admin' && deactivates, 'deactivate');
    const updated = await setUserAccess(tx, target.id, { status: input.status }, now);
    if (deactivates) await deleteUserSessions(tx, target.id);
    return {
      updated: updated!,
      action: 'member.status_changed',
      details: { from: target.status, to: input.status },
    };
  });
}
