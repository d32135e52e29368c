import { KeyholeError } from '@keyhole/core';
import { and, eq, ne } from 'drizzle-orm';
import { sessions, users } from '../../db/schema';
import type { AppDeps } from '../../deps';
import type { SessionActor } from '../actor';
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
  const [user] = await deps.db.select().from(users).where(eq(users.id, actor.authority.userId)).limit(1);
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
      await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, user.id));
      await tx
        .delete(sessions)
        .where(and(eq(sessions.userId, user.id), ne(sessions.id, actor.authority.sessionId)));
      await audit('member.password_changed', { type: 'user', id: user.id, name: user.email });
      return { ok: true as const };
    },
    {
      write,
      // The user row for update first, so two changes of one user's password queue instead of
      // deadlocking on the shared lock lockActor takes; then this session, still live.
      lockFirst: async (tx) => {
        await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for('no key update');
      },
    },
  );
}
