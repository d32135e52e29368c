import { authenticateKeyHeader, chargeKeyRequest } from '../auth/authenticate-key';
import { authenticateSession } from '../auth/authenticate-session';
import { chargeSessionRequest } from '../auth/call-budget';
import type { AuthenticatedKey, Caller } from '../auth/caller';
import { SESSION_COOKIE } from '../auth/session-token';
import type { Context } from './context';
import { setSessionCookie } from './session-cookies';

/**
 * Who is calling, resolved once per HTTP request (all calls of a batch share it). When an
 * Authorization header is present it alone decides (SPEC §3): a bad key fails even beside a good cookie.
 */
export function resolveCaller(ctx: Context): Promise<Caller> {
  ctx.callerPromise ??= (async (): Promise<Caller> => {
    if (ctx.req.authorization !== null) {
      const { key, org, secretHash } = await authenticateKeyHeader(
        ctx.deps,
        ctx.req.authorization,
        ctx.req.ip,
        ctx.res,
      );
      return { type: 'key', key, org, secretHash };
    }
    const token = ctx.req.cookies[SESSION_COOKIE];
    if (token) {
      const session = await authenticateSession(ctx.deps.db, token, ctx.deps.clock.now());
      if (session) {
        // The browser's copy would otherwise expire 7 days after sign-in, however active the user.
        if (session.refreshed) setSessionCookie(ctx, token);
        return { type: 'session', sessionId: session.sessionId, user: session.user, org: session.org };
      }
    }
    return { type: 'none' };
  })();
  return ctx.callerPromise;
}

/** Every procedure call made with a key spends one from its budget (a batch of five spends five). */
export function chargeKeyCall(ctx: Context, key: AuthenticatedKey): Promise<void> {
  return chargeKeyRequest(ctx.deps, key, ctx.res);
}

/** Every procedure call made with a session spends one from its user's budget (SPEC §9 "Sessions"). */
export function chargeSessionCall(ctx: Context, userId: string): Promise<void> {
  return chargeSessionRequest(ctx.deps, userId, ctx.res);
}
