import { SESSION_COOKIE } from '@keyhole/api/internal/auth/session-token';
import { createSession } from '@keyhole/api/internal/services/sessions/create-session';
import type { TestApp } from './test-app';

/** Request details of a signed-in user, for `app.caller(...)`, without going through sign-in. */
export async function sessionRequest(app: TestApp, userId: string) {
  const token = await createSession(app.deps.db, userId, app.deps.clock.now());
  return { cookies: { [SESSION_COOKIE]: token }, token };
}

/** The Cookie header for the same, for HTTP tests. */
export async function sessionCookieHeader(app: TestApp, userId: string): Promise<string> {
  const { token } = await sessionRequest(app, userId);
  return `${SESSION_COOKIE}=${token}`;
}
