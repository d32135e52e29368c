import type { UserRole } from '@keyhole/core';
import { setUserAccess } from '../../db/users/member-writes';
import type { AppDeps } from '../../deps';
import type { UserView } from '../accounts/views';
import type { SessionActor } from '../actor';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { changeMember } from './change-member';
import { keepAnActiveAdmin } from './member-rows';

/**
 * Makes a member an admin or an admin a member. Under the org lock, an active admin is demoted only
 * while another active admin remains, so the org always has someone who can manage it.
 * Admins may demote themselves when another admin remains.
 */
export function setMemberRole(
  deps: AppDeps,
  actor: SessionActor,
  input: { userId: string; role: UserRole },
  write?: IdempotentWrite,
): Promise<UserView> {
  return changeMember(deps, actor, input.userId, write, async (tx, target, now) => {
    if (target.role === input.role) return null;
    const demotesActiveAdmin = target.role === 'admin' && target.status === 'active';
    await keepAnActiveAdmin(tx, actor.orgId, target, demotesActiveAdmin, 'demote');
    const updated = await setUserAccess(tx, target.id, { role: input.role }, now);
    return {
      updated: updated!,
      action: 'member.role_changed',
      details: { from: target.role, to: input.role },
    };
  });
}
