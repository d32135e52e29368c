import { KeyholeError } from '@keyhole/core';
import { lockSessionForNoKeyUpdate, markPasswordEntered } from '../../db/sessions/password-entered';
import { selectUserById } from '../../db/users/by-id';
import type { AppDeps } from '../../deps';
import type { SessionActor } from '../actor';
import { recordAudit, userActor, userTarget } from '../audit/record-audit';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { forgetSignInAttempts, spendSignInAttempt } from './sign-in-limits';

/**
 * Step-up (SPEC §5): the signed-in user types their password again, and this session may create,
 * regenerate and reveal keys for `KEYHOLE_REAUTH_MINUTES` from now. Attempts spend the sign-in
 * budget of (account, IP) and IP, so a stolen cookie cannot guess the password here either; a wrong
 * password is audited in its own transaction, as a failed sign-in is, so the refusal keeps the row.
 */
export async function confirmPassword(
  deps: AppDeps,
  actor: SessionActor,
  input: { password: string },
  write?: IdempotentWrite,
): Promise<{ ok: true; until: string }> {
  const user = await selectUserById(deps.db, actor.authority.userId);
  if (!user) throw new KeyholeError('UNAUTHORIZED', 'Sign in first: this procedure needs a session.');
  const subject = { userId: user.id };
  await spendSignInAttempt(deps, subject, actor.origin.ip);
  if (!(await deps.passwords.verify(input.password, user.passwordHash))) {
    await recordAudit(deps.db, {
      orgId: actor.orgId,
      at: deps.clock.now(),
      actor: userActor(actor.user),
      action: 'auth.password_confirm_failed',
      target: userTarget(user),
      details: { reason: 'wrong_password' },
      origin: actor.origin,
    });
    // Not UNAUTHORIZED: the session is fine, and clients treat 401 as "signed out".
    throw new KeyholeError('BAD_REQUEST', 'password: the password is wrong.');
  }
  const answer = await audited(
    deps,
    actor,
    async (tx, audit, { now }) => {
      await markPasswordEntered(tx, actor.authority.sessionId, now);
      const until = new Date(now.getTime() + deps.config.reauthMinutes * 60_000).toISOString();
      await audit('auth.password_confirmed', userTarget(user), { until });
      return { ok: true as const, until };
    },
    {
      write,
      // The session row for update first: two confirms of one session queue instead of deadlocking
      // on the shared lock lockActor takes (a batch of them answered 500 on PostgreSQL).
      lockFirst: (tx) => lockSessionForNoKeyUpdate(tx, actor.authority.sessionId),
    },
  );
  await forgetSignInAttempts(deps, subject, actor.origin.ip);
  return answer;
}
