import { KeyholeError } from '@keyhole/core';
import { authenticateKey } from '../auth/authenticate-key';
import { authenticateSession } from '../auth/authenticate-session';
import type { Caller } from '../auth/caller';
import { SESSION_COOKIE } from '../auth/session-token';
import type { Context } from './context';
import { setSessionCookie } from './session-cookies';

/**
 * Who is calling, resolved once per HTTP request (all calls of a batch share it). When an
 * Authorization header is present it alone decides (SPEC §3): a bad key fails even beside a good cookie.
 * A refused key is thrown as its error; `edge` maps it (and its `Retry-After`, if any).
 */
export function resolveCaller(ctx: Context): Promise<Caller> {
  ctx.callerPromise ??= (async (): Promise<Caller> => {
    if (ctx.req.authorization !== null) {
      const verdict = await authenticateKey(ctx.deps, ctx.req.authorization, ctx.req.ip);
      if (!verdict.ok) throw verdict.error;
      // The verified key is the caller as is: `{ ok, type: 'key', key, org, secretHash }`.
      return verdict;
    }
    if (ctx.req.keysOnly) {
      throw new KeyholeError(
        'UNAUTHORIZED',
        'The REST API takes API keys only: send "Authorization: Bearer CLIENT_KEY:CLIENT_SECRET" (a session cookie is not enough).',
        'key_required',
      );
    }
    const token = ctx.req.cookies[SESSION_COOKIE];
    if (token) {
      const session = await authenticateSession(ctx.deps.db, token, ctx.deps.clock.now());
      if (session) {
        // The browser's copy would otherwise expire 7 days after sign-in, however active the user.
        if (session.refreshed) setSessionCookie(ctx, token);
        return {
          type: 'session',
          sessionId: session.sessionId,
          user: session.user,
          org: session.org,
          passwordEnteredAt: session.passwordEnteredAt,
        };
      }
    }
    return { type: 'none' };
  })();
  return ctx.callerPromise;
}
