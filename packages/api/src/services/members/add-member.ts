import { KeyholeError, type UserRole } from '@keyhole/core';
import { linkAttendeesToUser } from '../../db/meetings/link-attendees';
import { isEmailTaken } from '../../db/users/by-email';
import { insertUserRow } from '../../db/users/new-user';
import type { AppDeps } from '../../deps';
import { isUniqueViolation } from '../../lib/db-errors';
import { toUserView, type UserView } from '../accounts/views';
import type { SessionActor } from '../actor';
import { userTarget } from '../audit/record-audit';
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
        const user = await insertUserRow(tx, {
          orgId: actor.orgId,
          email: input.email,
          name: input.name,
          role: input.role,
          status: 'active',
          passwordHash,
          createdAt: now,
          updatedAt: now,
        });
        const linkedMeetings = await linkAttendeesToUser(tx, actor.orgId, user);
        await audit('member.added', userTarget(user), { role: user.role, name: user.name, linkedMeetings });
        return toUserView(user);
      },
      { write, lockOrg: true },
    );
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_lower_uq')) throw emailTaken();
    throw err;
  }
}
