import { KeyholeError, type UserRole } from '@keyhole/core';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { SessionAuthority } from '../../auth/authority';
import { meetingAttendees, meetings, users } from '../../db/schema';
import { isEmailTaken } from '../../db/users/by-email';
import type { AppDeps } from '../../deps';
import { isUniqueViolation } from '../../lib/db-errors';
import { toUserView, type UserView } from '../accounts/views';
import { type RequestOrigin, recordAudit, userActor } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { lockOrgForAdmin } from '../org/lock-org-for-admin';

export interface AddMemberInput {
  email: string;
  name: string;
  role: UserRole;
  password: string;
}

const emailTaken = () => new KeyholeError('CONFLICT', 'A user with this email already exists.');

/**
 * Adds a user to the admin's org with an initial password. Meetings of the org that already list
 * this email as an attendee are linked to the new user, so they see them exactly as if they had
 * been a member when the meeting was created.
 */
export async function addMember(
  deps: AppDeps,
  actor: SessionAuthority,
  input: AddMemberInput,
  origin: RequestOrigin,
  write?: IdempotentWrite,
): Promise<UserView> {
  if (await isEmailTaken(deps.db, input.email)) throw emailTaken();
  const passwordHash = await deps.passwords.hash(input.password, deps.config.passwordCost);
  const now = deps.clock.now();
  try {
    return await mutationTransaction(deps.db, write, async (tx) => {
      const { actor: admin } = await lockOrgForAdmin(tx, actor, now);
      const [user] = await tx
        .insert(users)
        .values({
          orgId: actor.orgId,
          email: input.email,
          name: input.name,
          role: input.role,
          status: 'active',
          passwordHash,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const linked = await tx
        .update(meetingAttendees)
        .set({ userId: user!.id })
        .where(
          and(
            sql`lower(${meetingAttendees.email}) = lower(${user!.email})`,
            isNull(meetingAttendees.userId),
            sql`${meetingAttendees.meetingId} in (select ${meetings.id} from ${meetings} where ${eq(meetings.orgId, actor.orgId)})`,
          ),
        )
        .returning({ meetingId: meetingAttendees.meetingId });
      await recordAudit(tx, {
        orgId: actor.orgId,
        at: now,
        actor: userActor(admin),
        action: 'member.added',
        target: { type: 'user', id: user!.id, name: user!.email },
        details: { role: user!.role, name: user!.name, linkedMeetings: linked.length },
        origin,
      });
      return toUserView(user!);
    });
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_lower_uq')) throw emailTaken();
    throw err;
  }
}
