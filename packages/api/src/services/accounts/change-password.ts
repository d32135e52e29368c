import { KeyholeError } from '@keyhole/core';
import { deleteOtherUserSessions } from '../../db/sessions/delete-user-sessions';
import { selectUserById } from '../../db/users/by-id';
import { lockUserForNoKeyUpdate } from '../../db/users/lock-user';
import { setPasswordHash } from '../../db/users/password';
import type { AppDeps } from '../../deps';
import type { SessionActor } from '../actor';
import { userTarget } from '../audit/record-audit';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { spendSignInAttempt } from './sign-in-limits';

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

/**
 * Replaces the caller's password after checking the current one, and ends every other session of
 * theirs (a thief holding an old cookie is out). Guesses of the current password spend the same
 * budget as sign-in attempts, so a stolen session cannot brute-force it either.
 */
export async function changePassword(
  deps: AppDeps,
  actor: SessionActor,
  input: ChangePasswordInput,
  write?: IdempotentWrite,
): Promise<{ ok: true }> {
  const user = await selectUserById(deps.db, actor.authority.userId);
  if (!user) throw new KeyholeError('UNAUTHORIZED', 'Sign in first: this procedure needs a session.');
  await spendSignInAttempt(deps, { userId: user.id }, actor.origin.ip);
  if (!(await deps.passwords.verify(input.currentPassword, user.passwordHash))) {
    // Not UNAUTHORIZED: the session is fine, and clients treat 401 as "signed out".
    throw new KeyholeError('BAD_REQUEST', 'currentPassword: the current password is wrong.');
  }
  const passwordHash = await deps.passwords.hash(input.newPassword, deps.config.passwordCost);
  return audited(
    deps,
    actor,
    async (tx, audit, { now }) => {
      await setPasswordHash(tx, user.id, passwordHash, now);
      await deleteOtherUserSessions(tx, user.id, actor.authority.sessionId);
      await audit('member.password_changed', userTarget(user));
      return { ok: true as const };
    },
    {
      write,
      // The user row for update first, so two changes of one user's password queue instead of
      // deadlocking on the shared lock lockActor takes; then this session, still live.
      lockFirst: async (tx) => {
        await lockUserForNoKeyUpdate(tx, user.id);
      },
    },
  );
}
