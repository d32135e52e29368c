import { SESSION_COOKIE } from '@keyhole/api/internal/auth/session-token';
import { createSession } from '@keyhole/api/internal/services/sessions/create-session';
import type { TestApp } from './test-app';

/**
 * Request details of a signed-in user, for `app.caller(...)`, without going through sign-in. It
 * stands for a sign-in a moment ago, so its password counts as just entered (step-up, SPEC §5);
 * `passwordEnteredAt` says otherwise (null: never entered, as for sessions older than step-up).
 */
export async function sessionRequest(
  app: TestApp,
  userId: string,
  opts: { passwordEnteredAt?: Date | null } = {},
) {
  const now = app.deps.clock.now();
  const passwordEnteredAt = opts.passwordEnteredAt === undefined ? now : opts.passwordEnteredAt;
  const token = await createSession(app.deps.db, userId, now, null, passwordEnteredAt);
  return { cookies: { [SESSION_COOKIE]: token }, token };
}

/** The Cookie header for the same, for HTTP tests. */
export async function sessionCookieHeader(app: TestApp, userId: string): Promise<string> {
  const { token } = await sessionRequest(app, userId);
  return `${SESSION_COOKIE}=${token}`;
}
