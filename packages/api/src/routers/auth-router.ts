import { z } from 'zod';
import { changePassword } from '../services/accounts/change-password';
import { confirmPassword } from '../services/accounts/confirm-password';
import { signIn } from '../services/accounts/sign-in';
import { checkSignUpBudget } from '../services/accounts/sign-in-limits';
import { signOut } from '../services/accounts/sign-out';
import { signUp, signUpDisabledError } from '../services/accounts/sign-up';
import type { AccountView } from '../services/accounts/views';
import { toUserView } from '../services/accounts/views';
import type { RequestOrigin } from '../services/audit/record-audit';
import { resolveCaller } from '../trpc/authenticate';
import type { Context } from '../trpc/context';
import { idempotent } from '../trpc/idempotency';
import { clearSessionCookie, setSessionCookie } from '../trpc/session-cookies';
import { chargeSessionCall, middleware, publicProcedure, router, sessionProcedure } from '../trpc/trpc';
import {
  emailField,
  emailToCheckField,
  newPasswordField,
  orgNameField,
  passwordToCheckField,
  personNameField,
} from './account-fields';

/** Sign-up and sign-in answer alike: the new session's cookie set, the account returned. */
async function startSession(
  ctx: Context,
  open: (origin: RequestOrigin & { ip: string }) => Promise<AccountView & { token: string }>,
): Promise<AccountView> {
  const { token, user, org } = await open({ ip: ctx.req.ip, userAgent: ctx.req.userAgent });
  setSessionCookie(ctx, token);
  return { user, org };
}

// Checked before the input, so a client learns that sign-up is off whatever it sent.
const signUpEnabled = middleware(({ ctx, next }) => {
  if (!ctx.deps.config.allowSignup) throw signUpDisabledError();
  return next();
});

// An address past its hourly sign-up budget is refused before its input is read (SPEC §9 order of
// refusals); the attempt itself is counted in the service, before the password is hashed.
const signUpBudget = middleware(async ({ ctx, next }) => {
  await checkSignUpBudget(ctx.deps, ctx.req.ip);
  return next();
});

export const authRouter = router({
  signUp: publicProcedure
    .use(signUpEnabled)
    .use(signUpBudget)
    .input(
      z.strictObject({
        orgName: orgNameField,
        name: personNameField,
        email: emailField,
        password: newPasswordField,
      }),
    )
    .mutation(({ ctx, input }) => startSession(ctx, (origin) => signUp(ctx.deps, input, origin))),

  signIn: publicProcedure
    .input(z.strictObject({ email: emailToCheckField, password: passwordToCheckField }))
    .mutation(({ ctx, input }) => startSession(ctx, (origin) => signIn(ctx.deps, input, origin))),

  signOut: sessionProcedure.mutation(async ({ ctx }) => {
    await signOut(ctx.deps.db, ctx.sessionId);
    clearSessionCookie(ctx);
    return { ok: true as const };
  }),

  // Anyone may ask; only a session has an answer (a key, even a valid one, is not a signed-in user).
  me: publicProcedure.query(async ({ ctx }): Promise<AccountView | null> => {
    const caller = await resolveCaller(ctx);
    if (caller.type !== 'session') return null;
    await chargeSessionCall(ctx, caller.user.id);
    return { user: toUserView(caller.user), org: caller.org };
  }),

  confirmPassword: sessionProcedure
    .input(z.strictObject({ password: passwordToCheckField }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => confirmPassword(ctx.deps, ctx.actor, input, write)),
    ),

  changePassword: sessionProcedure
    .input(z.strictObject({ currentPassword: passwordToCheckField, newPassword: newPasswordField }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => changePassword(ctx.deps, ctx.actor, input, write)),
    ),
});
