import { KeyholeError } from '@keyhole/core';
import { toOrgView } from '../../auth/org-view';
import { findSignInAccount } from '../../db/users/by-email';
import type { AppDeps } from '../../deps';
import { type RequestOrigin, recordAudit, userTarget } from '../audit/record-audit';
import { openAuditedSession } from '../sessions/create-session';
import { forgetSignInAttempts, spendSignInAttempt } from './sign-in-limits';
import { type AccountView, toUserView } from './views';

export interface SignInInput {
  email: string;
  password: string;
}

// One message for an unknown email and a wrong password, so sign-in never tells which emails exist.
export const WRONG_CREDENTIALS = 'Wrong email or password.';

/**
 * Checks the password and starts a session. Attempts are limited per (account, IP) and per IP before
 * any hash runs — the account being the one the database matches, whatever the spelling of its
 * email; unknown emails still pay for one hash so both failures take the same time.
 */
export async function signIn(
  deps: AppDeps,
  input: SignInInput,
  origin: RequestOrigin & { ip: string },
): Promise<AccountView & { token: string }> {
  const { found, normalisedEmail } = await findSignInAccount(deps.db, input.email);
  const subject = found ? { userId: found.user.id } : { normalisedEmail };
  await spendSignInAttempt(deps, subject, origin.ip);
  if (!found) {
    await deps.passwords.burn(input.password, deps.config.passwordCost);
    throw new KeyholeError('UNAUTHORIZED', WRONG_CREDENTIALS);
  }
  const { user, org } = found;
  const passwordOk = await deps.passwords.verify(input.password, user.passwordHash);
  const now = deps.clock.now();
  const target = userTarget(user);
  if (!passwordOk || user.status !== 'active') {
    // Committed on its own: the failure is the event, and the refusal below must not roll it back.
    await recordAudit(deps.db, {
      orgId: org.id,
      at: now,
      actor: null,
      action: 'auth.sign_in_failed',
      target,
      details: { reason: passwordOk ? 'deactivated' : 'wrong_password' },
      origin,
    });
    if (!passwordOk) throw new KeyholeError('UNAUTHORIZED', WRONG_CREDENTIALS);
    throw new KeyholeError(
      'FORBIDDEN',
      'This account is deactivated: ask an admin of your organization to reactivate it.',
    );
  }
  const token = await deps.db.transaction((tx) =>
    openAuditedSession(tx, { user, orgId: org.id, now, origin, action: 'auth.signed_in', target }),
  );
  await forgetSignInAttempts(deps, subject, origin.ip);
  return { token, user: toUserView(user), org: toOrgView(org) };
}
