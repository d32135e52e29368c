import { KeyholeError, type UserStatus } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import type { SessionAuthority } from '../../auth/authority';
import { sessions, users } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { toUserView, type UserView } from '../accounts/views';
import { type RequestOrigin, recordAudit, userActor } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { lockOrgForAdmin } from '../org/lock-org-for-admin';
import { lastAdminError, memberOfOrg, otherActiveAdmins } from './member-rows';

/**
 * Deactivates or reactivates a member. Deactivation deletes the user's sessions in the same
 * transaction and tells key caches (every process) that the user changed, so their sessions and
 * user-scoped keys stop working on the very next request. Reactivation brings the keys back.
 */
export async function setMemberStatus(
  deps: AppDeps,
  actor: SessionAuthority,
  input: { userId: string; status: UserStatus },
  origin: RequestOrigin,
  write?: IdempotentWrite,
): Promise<UserView> {
  const now = deps.clock.now();
  const { user, changed } = await mutationTransaction(
    deps.db,
    write,
    async (tx) => {
      const { actor: admin } = await lockOrgForAdmin(tx, actor, now);
      const target = await memberOfOrg(tx, actor.orgId, input.userId);
      if (input.status === 'deactivated' && target.id === admin.id) {
        throw new KeyholeError(
          'PRECONDITION_FAILED',
          'You cannot deactivate yourself: ask another admin to do it.',
          'self_deactivation',
        );
      }
      if (target.status === input.status) return { user: target, changed: false };
      const losesActiveAdmin = target.role === 'admin' && input.status === 'deactivated';
      if (losesActiveAdmin && (await otherActiveAdmins(tx, actor.orgId, target.id)) === 0) {
        throw lastAdminError('deactivate');
      }
      const [updated] = await tx
        .update(users)
        .set({ status: input.status, updatedAt: now })
        .where(eq(users.id, target.id))
        .returning();
      if (input.status === 'deactivated') await tx.delete(sessions).where(eq(sessions.userId, target.id));
      await recordAudit(tx, {
        orgId: actor.orgId,
        at: now,
        actor: userActor(admin),
        action: 'member.status_changed',
        target: { type: 'user', id: target.id, name: target.email },
        details: { from: target.status, to: input.status },
        origin,
      });
      return { user: updated!, changed: true };
    },
    (result) => toUserView(result.user),
  );
  if (changed) await deps.changes.publish({ kind: 'user', id: user.id });
  return toUserView(user);
}
