import { KeyholeError } from '@keyhole/core';
import { toOrgView } from '../../auth/org-view';
import { insertOrg } from '../../db/orgs/insert-org';
import { isEmailTaken } from '../../db/users/by-email';
import { insertUserRow } from '../../db/users/new-user';
import type { AppDeps } from '../../deps';
import { isUniqueViolation } from '../../lib/db-errors';
import type { RequestOrigin } from '../audit/record-audit';
import { openAuditedSession } from '../sessions/create-session';
import { spendSignUpAttempt } from './sign-in-limits';
import { type AccountView, toUserView } from './views';

export interface SignUpInput {
  orgName: string;
  name: string;
  /** Trimmed, stored as typed; compared case-insensitively. */
  email: string;
  password: string;
}

export const signUpDisabledError = () =>
  new KeyholeError(
    'FORBIDDEN',
    'Sign-up is disabled on this server: ask an admin of your organization to add you.',
    'signup_disabled',
  );

const emailTaken = () =>
  new KeyholeError('CONFLICT', 'An account with this email already exists: sign in instead.');

/**
 * Creates an org with its first admin and signs that admin in. Returns the new session's token.
 * Each attempt spends one of the client IP's hourly sign-ups before the (deliberately slow) hash,
 * and the hash runs whether or not the email is taken, so the answer time does not tell which
 * emails have accounts (SPEC §9, audit finding 4).
 */
export async function signUp(
  deps: AppDeps,
  input: SignUpInput,
  origin: RequestOrigin & { ip: string },
): Promise<AccountView & { token: string }> {
  if (!deps.config.allowSignup) throw signUpDisabledError();
  await spendSignUpAttempt(deps, origin.ip);
  const passwordHash = await deps.passwords.hash(input.password, deps.config.passwordCost);
  // The unique index still decides under a race.
  if (await isEmailTaken(deps.db, input.email)) throw emailTaken();
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const org = await insertOrg(tx, { name: input.orgName, createdAt: now });
      const user = await insertUserRow(tx, {
        orgId: org.id,
        email: input.email,
        name: input.name,
        role: 'admin',
        status: 'active',
        passwordHash,
        createdAt: now,
        updatedAt: now,
      });
      const token = await openAuditedSession(tx, {
        user,
        orgId: org.id,
        now,
        origin,
        action: 'auth.signed_up',
        target: { type: 'org', id: org.id, name: org.name },
      });
      return { token, user: toUserView(user), org: toOrgView(org) };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_lower_uq')) throw emailTaken();
    throw err;
  }
}
