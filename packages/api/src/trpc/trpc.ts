/**
 * The tRPC backbone: one place that says who may call what.
 *
 * - `publicProcedure`: anyone. Mutations still pass the Origin check (SPEC §5, CSRF).
 * - `sessionProcedure`: a signed-in user (web cookie), charged one call of the user's session budget
 *   (SPEC §9; sign-out excepted). A key is FORBIDDEN here, after being charged one call like any
 *   other call made with it.
 * - `adminProcedure`: a signed-in, active admin of the org.
 * - `stepUpProcedure`: an admin whose session's password was entered within KEYHOLE_REAUTH_MINUTES
 *   (SPEC §5 step-up: the key actions that hand out a secret). The CLI and seeds call the use cases
 *   directly and are not sessions, so the check lives here and not in the services.
 * - `keyProcedure`: an API key (whoami). Each call spends one from the key's rate budget.
 * - `keyOrSessionProcedure`: meetings reads; the principal feeds core's access rule.
 *
 * Credentials are checked in middlewares declared before any `.input()`, so a bad key is reported
 * as such even when the input is bad too. Services throw core's `KeyholeError`; `edge`
 * turns it into the matching tRPC error and the formatter adds `data.reason` and drops stacks.
 */
import { KeyholeError, type MeetingAccess, meetingAccessFor, type Principal } from '@keyhole/core';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import {
  adminRequiredError,
  type KeyAuthority,
  reauthRequiredError,
  type SessionAuthority,
  sessionRequiredError,
} from '../auth/authority';
import { type CallCharge, chargeKey, chargeSession, peekSessionBudget } from '../auth/call-budget';
import type { AuthenticatedKey, OrgView, SessionUser } from '../auth/caller';
import type { KeyCallOutcome } from '../auth/key-usage-recorder';
import { DatabaseUnavailableError } from '../lib/database-unavailable';
import { isDatabaseUnavailable } from '../lib/db-errors';
import { publicOrigin } from '../lib/public-origin';
import { ServerBusyError } from '../lib/server-busy';
import type { Actor, KeyActor, SessionActor } from '../services/actor';
import { resolveCaller } from './authenticate';
import type { Context } from './context';
import { openIdempotencyAndCharge, refuseMisplacedIdempotencyKey } from './idempotency';
import { writeRateLimitHeaders } from './rate-limit-headers';

function formatZodError(err: ZodError): string {
  return err.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : 'input';
      if (issue.code === 'unrecognized_keys') {
        return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      }
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

const t = initTRPC.context<Context>().create({
  // Never ship stack traces, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error, type }) {
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    let message = shape.message;
    let reason: string | undefined;
    if (error.cause instanceof KeyholeError) reason = error.cause.reason;
    else if (error.cause instanceof ZodError) message = formatZodError(error.cause);
    // The parser's own words name no field: `?input=` (or the body) that is not JSON names `input`.
    else if (error.code === 'BAD_REQUEST' && error.cause instanceof SyntaxError)
      message = `input: not valid JSON (${error.cause.message}); ${
        type === 'mutation'
          ? 'send a JSON body'
          : 'send ?input= as URL-encoded JSON, e.g. input=%7B%22limit%22%3A10%7D for {"limit":10}'
      }`;
    if (error.code === 'INTERNAL_SERVER_ERROR') message = 'Internal server error';
    return { ...shape, message, data: reason ? { ...data, reason } : data };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** A refusal that says when to come back (`retryAfterSeconds`: rate limits, server_busy) sets Retry-After. */
function retryAfterOf(cause: KeyholeError): number | null {
  const value = (cause as KeyholeError & { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(1, Math.ceil(value)) : null;
}

/**
 * A driver error that says the database is down, stalled or locked (never a genuine bug: a syntax
 * error or a constraint violation stays a 500) becomes 503 `database_unavailable` (SPEC §9).
 */
function domainCause(error: TRPCError): unknown {
  const cause = error.cause;
  if (cause instanceof KeyholeError || error.code !== 'INTERNAL_SERVER_ERROR') return cause;
  // The database gate's refusals reach here inside drizzle's DrizzleQueryError.
  for (let e: unknown = cause, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof DatabaseUnavailableError || e instanceof ServerBusyError) return e;
    e = e.cause;
  }
  return isDatabaseUnavailable(cause) ? new DatabaseUnavailableError(cause) : cause;
}

/** A browser mutation from another site is refused before it can act (sign-in and sign-up included). */
function refuseCrossOrigin(ctx: Context, type: string): void {
  if (type === 'mutation' && ctx.req.origin !== null) {
    const expected = publicOrigin(ctx.deps.config.publicUrl, ctx.req);
    if (expected === null || ctx.req.origin !== expected) {
      throw new KeyholeError(
        'FORBIDDEN',
        `Cross-origin request refused: Origin ${ctx.req.origin} is not ${expected ?? 'this server'}.`,
        'origin_mismatch',
      );
    }
  }
}

function toTrpcError(cause: KeyholeError, ctx: Context): TRPCError {
  const retryAfter = retryAfterOf(cause);
  if (retryAfter !== null) ctx.res.setHeader('Retry-After', String(retryAfter));
  return new TRPCError({ code: cause.code, message: cause.message, cause });
}

/**
 * The first step of every procedure, one middleware rather than three (each tRPC middleware copies
 * the call's options and context, on every call): the Origin check and a malformed or misplaced
 * Idempotency-Key (trpc/idempotency.ts) before credentials, then core's errors and the database's
 * faults mapped to their tRPC codes on the way out.
 */
const edge = t.middleware(async ({ ctx, type, path, next }) => {
  try {
    refuseCrossOrigin(ctx, type);
    refuseMisplacedIdempotencyKey(ctx, type, path);
  } catch (cause) {
    throw cause instanceof KeyholeError ? toTrpcError(cause, ctx) : cause;
  }
  const result = await next();
  const cause = result.ok ? undefined : domainCause(result.error);
  if (!result.ok && cause instanceof KeyholeError) return { ...result, error: toTrpcError(cause, ctx) };
  return result;
});

export const publicProcedure = t.procedure.use(edge);

/**
 * A call's budget decision (auth/call-budget.ts) on the response: the `X-RateLimit-*` headers on
 * every call, refused or not, then the refusal thrown for `edge`, which adds its `Retry-After`.
 * Synchronous, so a charge costs the middlewares one await, the counter's.
 */
function settleCharge(ctx: Context, charge: CallCharge): void {
  writeRateLimitHeaders(ctx.res, charge.budget);
  if (!charge.ok) throw charge.error;
}

const SERVER_ERROR_CODES = new Set<string>([
  'INTERNAL_SERVER_ERROR',
  'NOT_IMPLEMENTED',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
]);

/** What a failed call answers, as keys.usage counts it (SPEC §5): the class of its HTTP status. */
function failureOutcome(error: unknown): KeyCallOutcome {
  const cause = error instanceof TRPCError ? domainCause(error) : error;
  // domainCause has turned the database's faults into DatabaseUnavailableError, a KeyholeError (503).
  const code =
    cause instanceof KeyholeError
      ? cause.code
      : error instanceof TRPCError
        ? error.code
        : 'INTERNAL_SERVER_ERROR';
  if (code === 'TOO_MANY_REQUESTS') return 'rateLimited';
  return SERVER_ERROR_CODES.has(code) ? 'serverErrors' : 'clientErrors';
}

/**
 * A call made with a verified key: charged (headers, refusal past the budget), run, then counted
 * once in the key's usage by what became of it (SPEC §5 `keys.usage`) — increments in memory, the
 * recorder writes in batches.
 */
async function keyCall<R extends { ok: boolean; error?: unknown }>(
  ctx: Context,
  key: AuthenticatedKey,
  run: () => Promise<R>,
): Promise<R> {
  // A call the budget never saw (its counter failed) is not counted either: usage is charged calls.
  const charge = await chargeKey(ctx.deps, key);
  let outcome: KeyCallOutcome = 'serverErrors';
  try {
    settleCharge(ctx, charge);
    const result = await run();
    outcome = result.ok ? 'succeeded' : failureOutcome(result.error);
    return result;
  } catch (e) {
    outcome = failureOutcome(e);
    throw e;
  } finally {
    ctx.deps.keyUsage.record(key.id, ctx.deps.clock.now(), outcome);
  }
}

/** Every procedure call made with a session spends one from its user's budget (SPEC §9 "Sessions"). */
export async function chargeSessionCall(ctx: Context, userId: string): Promise<void> {
  settleCharge(ctx, await chargeSession(ctx.deps, userId));
}

// Ending a session is never refused for having used it too much.
const UNMETERED_SESSION_PROCEDURES = new Set(['auth.signOut']);

export const sessionProcedure = publicProcedure.use(async ({ ctx, type, path, next }) => {
  const caller = await resolveCaller(ctx);
  if (caller.type === 'key') {
    // Still a call made with the key: it spends budget, gets the rate-limit headers and is counted.
    return keyCall(ctx, caller.key, () =>
      Promise.reject<never>(
        new KeyholeError(
          'FORBIDDEN',
          'API keys cannot call this procedure; sign in to the web app instead.',
          'session_required',
        ),
      ),
    );
  }
  if (caller.type !== 'session') throw sessionRequiredError();
  const userId = caller.user.id;
  // A mutation answered from an Idempotency-Key record spends nothing (SPEC §9).
  const idempotency = await openIdempotencyAndCharge(
    ctx,
    type,
    path,
    { kind: 'user', id: userId },
    UNMETERED_SESSION_PROCEDURES.has(path)
      ? null
      : {
          charge: () => chargeSessionCall(ctx, userId),
          show: async () => writeRateLimitHeaders(ctx.res, await peekSessionBudget(ctx.deps, userId)),
        },
  );
  // What the request was authorised as; mutations re-check it in their transaction (lockActor).
  const authority: SessionAuthority = {
    kind: 'session',
    sessionId: caller.sessionId,
    userId: caller.user.id,
    orgId: caller.org.id,
    asAdmin: false,
  };
  const actor: SessionActor = {
    orgId: caller.org.id,
    user: { id: caller.user.id, email: caller.user.email },
    origin: { ip: ctx.req.ip, userAgent: ctx.req.userAgent },
    authority,
  };
  return next({
    ctx: {
      user: caller.user,
      org: caller.org,
      sessionId: caller.sessionId,
      passwordEnteredAt: caller.passwordEnteredAt,
      actor,
      idempotency,
    },
  });
});

export const adminProcedure = sessionProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw adminRequiredError();
  const actor: SessionActor = { ...ctx.actor, authority: { ...ctx.actor.authority, asAdmin: true } };
  return next({ ctx: { actor } });
});

export const stepUpProcedure = adminProcedure.use(({ ctx, next }) => {
  const minutes = ctx.deps.config.reauthMinutes;
  const enteredAt = ctx.passwordEnteredAt;
  const age =
    enteredAt === null ? Number.POSITIVE_INFINITY : ctx.deps.clock.now().getTime() - enteredAt.getTime();
  if (age > minutes * 60_000) throw reauthRequiredError(minutes);
  return next();
});

export const keyProcedure = publicProcedure.use(async ({ ctx, type, path, next }) => {
  const caller = await resolveCaller(ctx);
  if (caller.type !== 'key') {
    throw new KeyholeError(
      'UNAUTHORIZED',
      'An API key is required: send it as "Authorization: Bearer CLIENT_KEY:CLIENT_SECRET".',
      'key_required',
    );
  }
  // A key's own mutations (webhooks) act in the name of the user it is issued to, if any, and are
  // re-checked against the key and the secret presented (lockActor).
  const actor: KeyActor = {
    orgId: caller.org.id,
    user: caller.key.issuedTo && { id: caller.key.issuedTo.id, email: caller.key.issuedTo.email },
    origin: { ip: ctx.req.ip, userAgent: ctx.req.userAgent },
    authority: { kind: 'key', keyId: caller.key.id, orgId: caller.org.id, secretHash: caller.secretHash },
  };
  return keyCall(ctx, caller.key, async () => {
    // A key's mutation with an Idempotency-Key is scoped to the key (the call was charged above,
    // replay or not: keys have no budget to defer).
    const idempotency = await openIdempotencyAndCharge(
      ctx,
      type,
      path,
      { kind: 'key', id: caller.key.id },
      null,
    );
    return next({ ctx: { key: caller.key, org: caller.org, actor, idempotency } });
  });
});

export interface ReaderContext {
  principal: Principal;
  access: MeetingAccess;
  org: OrgView;
  /** Set for sessions only. */
  user: SessionUser | null;
  key: AuthenticatedKey | null;
}

export const keyOrSessionProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const caller = await resolveCaller(ctx);
  if (caller.type === 'none') {
    throw new KeyholeError(
      'UNAUTHORIZED',
      'Send an API key ("Authorization: Bearer CLIENT_KEY:CLIENT_SECRET") or sign in.',
    );
  }
  let reader: ReaderContext;
  // What the request was authorised as, for a mutation's re-check (lockActor).
  let authority: SessionAuthority | KeyAuthority;
  if (caller.type === 'key') {
    const principal: Principal = {
      kind: 'key',
      orgId: caller.org.id,
      scope: caller.key.scope,
      issuedToUserId: caller.key.issuedTo?.id ?? null,
    };
    reader = {
      principal,
      access: meetingAccessFor(principal, caller.org.settings),
      org: caller.org,
      user: null,
      key: caller.key,
    };
    authority = { kind: 'key', keyId: caller.key.id, orgId: caller.org.id, secretHash: caller.secretHash };
  } else {
    const principal: Principal = { kind: 'session', orgId: caller.org.id, userId: caller.user.id };
    reader = {
      principal,
      access: meetingAccessFor(principal, caller.org.settings),
      org: caller.org,
      user: caller.user,
      key: null,
    };
    authority = {
      kind: 'session',
      sessionId: caller.sessionId,
      userId: caller.user.id,
      orgId: caller.org.id,
      asAdmin: false,
    };
  }
  const actor: Actor = {
    orgId: caller.org.id,
    user: reader.user && { id: reader.user.id, email: reader.user.email },
    origin: { ip: ctx.req.ip, userAgent: ctx.req.userAgent },
    authority,
  };
  if (caller.type === 'key') return keyCall(ctx, caller.key, () => next({ ctx: { reader, actor } }));
  settleCharge(ctx, await chargeSession(ctx.deps, caller.user.id));
  return next({ ctx: { reader, actor } });
});
