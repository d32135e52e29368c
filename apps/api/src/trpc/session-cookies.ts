import { clearedSessionCookie, sessionCookie } from '../services/sessions/create-session';
import type { Context } from './context';

// `Secure` whenever the browser reached us over HTTPS, directly or as the public URL says.
function secureCookies(ctx: Context): boolean {
  return ctx.req.secure || (ctx.deps.config.publicUrl?.startsWith('https:') ?? false);
}

export function setSessionCookie(ctx: Context, token: string): void {
  ctx.res.appendHeader('set-cookie', sessionCookie(token, secureCookies(ctx)));
}

export function clearSessionCookie(ctx: Context): void {
  ctx.res.appendHeader('set-cookie', clearedSessionCookie(secureCookies(ctx)));
}
