import { KeyholeError, type UserRole } from '@keyhole/core';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { meetingAttendees, meetings, users } from '../../db/schema';
import { isEmailTaken } from '../../db/users/by-email';
import type { AppDeps } from '../../deps';
import { isUniqueViolation } from '../../lib/db-errors';
import { toUserView, type UserView } from '../accounts/views';
import type { SessionActor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';

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
  actor: SessionActor,
  input: AddMemberInput,
  write?: IdempotentWrite,
): Promise<UserView> {
  if (await isEmailTaken(deps.db, input.email)) throw emailTaken();
  const passwordHash = await deps.passwords.hash(input.password, deps.config.passwordCost);
  try {
    return await audited(
      deps,
      actor,
      async (tx, audit, { now }) => {
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
        await audit(
          'member.added',
          { type: 'user', id: user!.id, name: user!.email },
          { role: user!.role, name: user!.name, linkedMeetings: linked.length },
        );
        return toUserView(user!);
      },
      { write, lockOrg: true },
    );
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_lower_uq')) throw emailTaken();
    throw err;
  }
}
