import { SESSION_COOKIE, SESSION_IDLE_MS } from '../auth/session-token';
import type { Context } from './context';

function sessionCookie(token: string, secure: boolean): string {
  const maxAge = Math.floor(SESSION_IDLE_MS / 1000);
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`;
}

// `Secure` whenever the browser reached us over HTTPS, directly or as the public URL says.
function secureCookies(ctx: Context): boolean {
  return ctx.req.secure || (ctx.deps.config.publicUrl?.startsWith('https:') ?? false);
}

/**
 * The session cookie is the only cookie Keyhole sets, so each response carries at most one: a later
 * call of the same batch replaces an earlier one. Appending let a batch of 200 sign-ins answer with
 * 200 Set-Cookie headers, past what HTTP clients and proxies accept (undici: headers overflow).
 */
export function setSessionCookie(ctx: Context, token: string): void {
  ctx.res.setHeader('set-cookie', sessionCookie(token, secureCookies(ctx)));
}

export function clearSessionCookie(ctx: Context): void {
  ctx.res.setHeader('set-cookie', clearedSessionCookie(secureCookies(ctx)));
}
