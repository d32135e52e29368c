import type { UserRole } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import type { SessionAuthority } from '../../auth/authority';
import { users } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { toUserView, type UserView } from '../accounts/views';
import { type RequestOrigin, recordAudit, userActor } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { lockOrgForAdmin } from '../org/lock-org-for-admin';
import { lastAdminError, memberOfOrg, otherActiveAdmins } from './member-rows';

/**
 * Makes a member an admin or an admin a member. Under the org lock, an active admin is demoted only
 * while another active admin remains, so the org always has someone who can manage it.
 * Admins may demote themselves when another admin remains.
 */
export async function setMemberRole(
  deps: AppDeps,
  actor: SessionAuthority,
  input: { userId: string; role: UserRole },
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
      if (target.role === input.role) return { user: target, changed: false };
      const losesActiveAdmin = target.role === 'admin' && target.status === 'active';
      if (losesActiveAdmin && (await otherActiveAdmins(tx, actor.orgId, target.id)) === 0) {
        throw lastAdminError('demote');
      }
      const [updated] = await tx
        .update(users)
        .set({ role: input.role, updatedAt: now })
        .where(eq(users.id, target.id))
        .returning();
      await recordAudit(tx, {
        orgId: actor.orgId,
        at: now,
        actor: userActor(admin),
        action: 'member.role_changed',
        target: { type: 'user', id: target.id, name: target.email },
        details: { from: target.role, to: input.role },
        origin,
      });
      return { user: updated!, changed: true };
    },
    (result) => toUserView(result.user),
  );
  if (changed) await deps.changes.publish({ kind: 'user', id: user.id });
  return toUserView(user);
}
