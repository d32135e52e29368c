import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '@keyhole/api/internal/auth/session-token';
import type { RequestInfo } from '@keyhole/api/internal/trpc/context';
import { uniqueIp } from '@keyhole/testing/ips';
import type { TestApp } from '../support/test-app';

export const PASSWORD = 'correct horse battery staple';

/** A fresh email per call, so tests in one file never collide. */
export const uniqueEmail = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}@example.test`;

export function tokenFromSetCookie(setCookie: string | undefined): string {
  const match = setCookie?.match(new RegExp(`^${SESSION_COOKIE}=([^;]+)`));
  if (!match?.[1]) throw new Error(`no session cookie in ${setCookie}`);
  return match[1];
}

export const cookiesFor = (token: string) => ({ cookies: { [SESSION_COOKIE]: token } });

/** Signs up a new org through the API; returns its admin, the org and the admin's session token. */
export async function signUpOrg(
  app: TestApp,
  opts: { email?: string; password?: string; orgName?: string } = {},
) {
  const email = opts.email ?? uniqueEmail('admin');
  const password = opts.password ?? PASSWORD;
  const { caller, headers } = app.callerWithHeaders({ ip: uniqueIp() });
  const result = await caller.auth.signUp({
    orgName: opts.orgName ?? `Org ${randomUUID().slice(0, 6)}`,
    name: 'Admin Person',
    email,
    password,
  });
  const token = tokenFromSetCookie(headers.get('set-cookie'));
  return { ...result, token, email, password, req: cookiesFor(token) as Partial<RequestInfo> };
}

/** Adds a member through the API (as the given admin) and signs them in. */
export async function addSignedInMember(
  app: TestApp,
  adminToken: string,
  opts: { role?: 'admin' | 'member'; email?: string } = {},
) {
  const email = opts.email ?? uniqueEmail('member');
  const user = await app
    .caller(cookiesFor(adminToken))
    .members.add({ email, name: 'Member Person', role: opts.role ?? 'member', password: PASSWORD });
  const { caller, headers } = app.callerWithHeaders({ ip: uniqueIp() });
  await caller.auth.signIn({ email, password: PASSWORD });
  const token = tokenFromSetCookie(headers.get('set-cookie'));
  return { user, token, email, req: cookiesFor(token) as Partial<RequestInfo> };
}
