import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '@keyhole/api/internal/auth/session-token';
import { auditEvents, sessions, users } from '@keyhole/api/internal/db/schema';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { appRouter } from '@keyhole/api/internal/routers/app-router';
import { WRONG_CREDENTIALS } from '@keyhole/api/internal/services/accounts/sign-in';
import { createContextInner, HeaderBag } from '@keyhole/api/internal/trpc/context';
import { createCallerFactory } from '@keyhole/api/internal/trpc/trpc';
import { expectTrpcError } from '@keyhole/testing/errors';
import { uniqueIp } from '@keyhole/testing/ips';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app';
import {
  addSignedInMember,
  cookiesFor,
  PASSWORD,
  signUpOrg,
  tokenFromSetCookie,
  uniqueEmail,
} from './account-helpers';

let app: TestApp;
let clock: ManualClock;
const createCaller = createCallerFactory(appRouter);

beforeAll(async () => {
  clock = new ManualClock();
  app = await createTestApp({ clock });
});
afterAll(async () => {
  await app?.close();
});

/** A caller over a copy of the app's dependencies with some configuration changed. */
function callerWithConfig(
  config: Partial<TestApp['deps']['config']>,
  req: Parameters<TestApp['caller']>[0] = {},
) {
  const headers = new HeaderBag();
  const deps = { ...app.deps, config: { ...app.deps.config, ...config } };
  return {
    caller: createCaller(createContextInner({ deps, req: { ip: uniqueIp(), ...req }, res: headers })),
    headers,
  };
}

async function auditFor(orgId: string, action: string) {
  return app.deps.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

describe('auth.signUp', () => {
  it('creates the org with this admin, signs in with an HttpOnly SameSite=Lax cookie, and audits', async () => {
    const email = `  New.Admin-${randomUUID().slice(0, 6)}@Example.TEST `;
    const { caller, headers } = app.callerWithHeaders({ ip: '10.9.9.9', userAgent: 'vitest-agent' });
    const result = await caller.auth.signUp({
      orgName: ' Globex ',
      name: ' Hank ',
      email,
      password: PASSWORD,
    });
    expect(result.user).toEqual({
      id: expect.any(String),
      email: email.trim(),
      name: 'Hank',
      role: 'admin',
      status: 'active',
      createdAt: clock.now().toISOString(),
    });
    expect(result.org).toEqual({
      id: expect.any(String),
      name: 'Globex',
      settings: { orgFullKeysIncludePrivate: true, allowKeyReveal: true, leakedKeyAction: 'revoke' },
    });
    const cookie = headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain(`Max-Age=${7 * 24 * 3600}`);
    expect(cookie).not.toContain('Secure');
    const me = await app.caller(cookiesFor(tokenFromSetCookie(cookie))).auth.me();
    expect(me).toEqual(result);
    const [event] = await auditFor(result.org.id, 'auth.signed_up');
    expect(event).toMatchObject({
      actorType: 'user',
      actorId: result.user.id,
      actorEmail: email.trim(),
      targetType: 'org',
      targetId: result.org.id,
      targetName: 'Globex',
      ip: '10.9.9.9',
      userAgent: 'vitest-agent',
    });
    expect(JSON.stringify(event)).not.toContain(PASSWORD);
    // Only the hash is stored, and it is not the password.
    const [row] = await app.deps.db.select().from(users).where(eq(users.id, result.user.id));
    expect(row!.passwordHash).toMatch(/^scrypt\$/);
    expect(row!.passwordHash).not.toContain(PASSWORD);
  });

  it('marks the cookie Secure over HTTPS and behind an https public URL', async () => {
    const overTls = callerWithConfig({}, { secure: true });
    await overTls.caller.auth.signUp({ orgName: 'A', name: 'A', email: uniqueEmail(), password: PASSWORD });
    expect(overTls.headers.get('set-cookie')).toMatch(/; Secure$/);
    const behindProxy = callerWithConfig({ publicUrl: 'https://keyhole.example' });
    await behindProxy.caller.auth.signUp({
      orgName: 'B',
      name: 'B',
      email: uniqueEmail(),
      password: PASSWORD,
    });
    expect(behindProxy.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('refuses a taken email, whatever its case or surrounding spaces, with CONFLICT', async () => {
    const { email } = await signUpOrg(app);
    for (const variant of [email, email.toUpperCase(), `  ${email}  `]) {
      await expectTrpcError(
        app
          .caller({ ip: uniqueIp() })
          .auth.signUp({ orgName: 'Dup', name: 'Dup', email: variant, password: PASSWORD }),
        'CONFLICT',
      );
    }
  });

  it('lets exactly one of two simultaneous sign-ups with one email through', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.allSettled(
      [email, email.toUpperCase()].map((e) =>
        app
          .caller({ ip: uniqueIp() })
          .auth.signUp({ orgName: 'Race', name: 'Race', email: e, password: PASSWORD }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as { code: string }).code).toBe('CONFLICT');
  });

  it('validates the input and names the field', async () => {
    const caller = app.caller();
    const base = { orgName: 'Org', name: 'Name', email: uniqueEmail(), password: PASSWORD };
    const short = await expectTrpcError(
      caller.auth.signUp({ ...base, password: 'x'.repeat(11) }),
      'BAD_REQUEST',
    );
    expect(short.cause).toBeDefined();
    await expectTrpcError(caller.auth.signUp({ ...base, password: 'x'.repeat(201) }), 'BAD_REQUEST');
    await expectTrpcError(caller.auth.signUp({ ...base, email: 'not-an-email' }), 'BAD_REQUEST');
    await expectTrpcError(caller.auth.signUp({ ...base, orgName: '   ' }), 'BAD_REQUEST');
    await expectTrpcError(caller.auth.signUp({ ...base, name: '' }), 'BAD_REQUEST');
    await expectTrpcError(
      caller.auth.signUp({ ...base, role: 'admin' } as unknown as typeof base),
      'BAD_REQUEST',
    );
    // 12 and 200 characters are both fine.
    await caller.auth.signUp({ ...base, password: 'y'.repeat(12) });
    await caller.auth.signUp({ ...base, email: uniqueEmail(), password: 'z'.repeat(200) });
  });

  it('is FORBIDDEN with reason signup_disabled when sign-up is off', async () => {
    const { caller } = callerWithConfig({ allowSignup: false });
    const email = uniqueEmail();
    await expectTrpcError(
      caller.auth.signUp({ orgName: 'No', name: 'No', email, password: PASSWORD }),
      'FORBIDDEN',
      'signup_disabled',
    );
    const rows = await app.deps.db.select().from(users).where(eq(users.email, email));
    expect(rows).toHaveLength(0);
    // Said before the input is even looked at.
    await expectTrpcError(caller.auth.signUp({ bogus: 1 } as never), 'FORBIDDEN', 'signup_disabled');
  });
});

describe('auth.signIn', () => {
  it('signs in whatever the email case, sets the cookie and audits auth.signed_in', async () => {
    const { email, org, user } = await signUpOrg(app);
    const { caller, headers } = app.callerWithHeaders({ ip: '10.1.2.3', userAgent: 'ua-test' });
    const result = await caller.auth.signIn({ email: `  ${email.toUpperCase()} `, password: PASSWORD });
    expect(result.user).toMatchObject({ id: user.id, email, role: 'admin' });
    expect(result.org).toEqual(org);
    const token = tokenFromSetCookie(headers.get('set-cookie'));
    expect(await app.caller(cookiesFor(token)).auth.me()).toEqual(result);
    const events = await auditFor(org.id, 'auth.signed_in');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorId: user.id,
      targetType: 'user',
      targetId: user.id,
      ip: '10.1.2.3',
      userAgent: 'ua-test',
    });
  });

  it('answers a wrong password and an unknown email alike, auditing only the known account', async () => {
    const { email, org, user } = await signUpOrg(app);
    const wrong = await expectTrpcError(
      app.caller({ ip: uniqueIp() }).auth.signIn({ email, password: 'wrong password here' }),
      'UNAUTHORIZED',
    );
    const unknownEmail = uniqueEmail('ghost');
    const unknown = await expectTrpcError(
      app.caller({ ip: uniqueIp() }).auth.signIn({ email: unknownEmail, password: PASSWORD }),
      'UNAUTHORIZED',
    );
    expect(wrong.message).toBe(WRONG_CREDENTIALS);
    expect(unknown.message).toBe(WRONG_CREDENTIALS);
    const failed = await auditFor(org.id, 'auth.sign_in_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      actorType: null,
      targetId: user.id,
      details: { reason: 'wrong_password' },
    });
    expect(JSON.stringify(failed[0])).not.toContain('wrong password here');
    const ghost = await app.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.targetName, unknownEmail));
    expect(ghost).toHaveLength(0);
  });

  it('spends a password hash on unknown emails too, so both failures take about as long', async () => {
    // A costlier hash makes the difference measurable: without the dummy check an unknown email
    // would answer in a millisecond.
    const slow = (req = {}) => callerWithConfig({ passwordCost: 14 }, req).caller;
    const email = uniqueEmail('timing');
    await slow().auth.signUp({ orgName: 'T', name: 'T', email, password: PASSWORD });
    const time = async (e: string) => {
      const started = performance.now();
      await slow()
        .auth.signIn({ email: e, password: 'definitely wrong' })
        .catch(() => {});
      return performance.now() - started;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time(email));
      unknown.push(await time(uniqueEmail('nobody')));
    }
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.4);
  });

  it('refuses a deactivated account: FORBIDDEN with the right password, UNAUTHORIZED with a wrong one', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    await app.caller(admin.req).members.setStatus({ userId: member.user.id, status: 'deactivated' });
    await expectTrpcError(
      app.caller({ ip: uniqueIp() }).auth.signIn({ email: member.email, password: PASSWORD }),
      'FORBIDDEN',
    );
    const wrong = await expectTrpcError(
      app.caller({ ip: uniqueIp() }).auth.signIn({ email: member.email, password: 'not the password' }),
      'UNAUTHORIZED',
    );
    expect(wrong.message).toBe(WRONG_CREDENTIALS);
    const failed = await auditFor(admin.org.id, 'auth.sign_in_failed');
    expect(failed.map((e) => e.details.reason).sort()).toEqual(['deactivated', 'wrong_password']);
  });

  it('limits attempts per (email, IP) with TOO_MANY_REQUESTS, rate_limited and Retry-After', async () => {
    const { email } = await signUpOrg(app);
    const ip = uniqueIp();
    const limit = app.deps.config.signInLimitPerMinute;
    for (let i = 0; i < limit; i++) {
      await expectTrpcError(
        app.caller({ ip }).auth.signIn({ email, password: 'bad password!' }),
        'UNAUTHORIZED',
      );
    }
    const { caller, headers } = app.callerWithHeaders({ ip });
    // Refused before the password is even looked at: the right one does not help.
    await expectTrpcError(
      caller.auth.signIn({ email: email.toUpperCase(), password: PASSWORD }),
      'TOO_MANY_REQUESTS',
      'rate_limited',
    );
    const retryAfter = Number(headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(headers.get('set-cookie')).toBeUndefined();
    // Another client address is not locked out of the account.
    await app.caller({ ip: uniqueIp() }).auth.signIn({ email, password: PASSWORD });
  });

  it('starts the (email, IP) count afresh after a successful sign-in', async () => {
    const { email } = await signUpOrg(app);
    const ip = uniqueIp();
    const limit = app.deps.config.signInLimitPerMinute;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < limit - 1; i++) {
        await expectTrpcError(
          app.caller({ ip }).auth.signIn({ email, password: 'typo password' }),
          'UNAUTHORIZED',
        );
      }
      await app.caller({ ip }).auth.signIn({ email, password: PASSWORD });
    }
  });

  it('validates the input', async () => {
    await expectTrpcError(app.caller().auth.signIn({ email: '', password: PASSWORD }), 'BAD_REQUEST');
    await expectTrpcError(app.caller().auth.signIn({ email: uniqueEmail(), password: '' }), 'BAD_REQUEST');
    await expectTrpcError(
      app.caller().auth.signIn({ email: uniqueEmail(), password: PASSWORD, remember: true } as never),
      'BAD_REQUEST',
    );
  });
});

describe('auth.me and auth.signOut', () => {
  it('me is null without a session or with a cookie that is no session', async () => {
    expect(await app.caller().auth.me()).toBeNull();
    expect(await app.caller(cookiesFor('x'.repeat(43))).auth.me()).toBeNull();
    expect(await app.caller(cookiesFor('short')).auth.me()).toBeNull();
  });

  it('me never answers with the session user when an Authorization header is present', async () => {
    const { req } = await signUpOrg(app);
    const outcome = await app
      .caller({ ...req, authorization: 'Bearer kh_nothing:khs_nothing' })
      .auth.me()
      .then(
        (value) => ({ value }),
        (error: { code: string }) => ({ error: error.code }),
      );
    // The header alone decides who calls (SPEC §3): a bad key is refused, a good one is no user.
    expect(outcome).not.toHaveProperty('value.user');
    if ('value' in outcome) expect(outcome.value).toBeNull();
    else expect(outcome.error).toBe('UNAUTHORIZED');
  });

  it('signOut deletes the session, clears the cookie and leaves other sessions alone', async () => {
    const { req, email, user } = await signUpOrg(app);
    const other = app.callerWithHeaders({ ip: uniqueIp() });
    await other.caller.auth.signIn({ email, password: PASSWORD });
    const otherToken = tokenFromSetCookie(other.headers.get('set-cookie'));
    const { caller, headers } = app.callerWithHeaders(req);
    expect(await caller.auth.signOut()).toEqual({ ok: true });
    expect(headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    expect(await app.caller(req).auth.me()).toBeNull();
    await expectTrpcError(app.caller(req).auth.signOut(), 'UNAUTHORIZED');
    expect((await app.caller(cookiesFor(otherToken)).auth.me())?.user.id).toBe(user.id);
  });

  it('signOut without a session is UNAUTHORIZED', async () => {
    await expectTrpcError(app.caller().auth.signOut(), 'UNAUTHORIZED');
  });
});

describe('auth.changePassword', () => {
  it('changes the password, ends the other sessions, keeps this one, and audits without the password', async () => {
    const { req, email, user, org } = await signUpOrg(app);
    const other = app.callerWithHeaders({ ip: uniqueIp() });
    await other.caller.auth.signIn({ email, password: PASSWORD });
    const otherReq = cookiesFor(tokenFromSetCookie(other.headers.get('set-cookie')));
    const newPassword = 'a brand new passphrase';
    expect(await app.caller(req).auth.changePassword({ currentPassword: PASSWORD, newPassword })).toEqual({
      ok: true,
    });
    expect((await app.caller(req).auth.me())?.user.id).toBe(user.id);
    expect(await app.caller(otherReq).auth.me()).toBeNull();
    const left = await app.deps.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(left).toHaveLength(1);
    await expectTrpcError(
      app.caller({ ip: uniqueIp() }).auth.signIn({ email, password: PASSWORD }),
      'UNAUTHORIZED',
    );
    await app.caller({ ip: uniqueIp() }).auth.signIn({ email, password: newPassword });
    const [event] = await auditFor(org.id, 'member.password_changed');
    expect(event).toMatchObject({ actorId: user.id, targetId: user.id });
    expect(JSON.stringify(event)).not.toContain(newPassword);
    expect(JSON.stringify(event)).not.toContain(PASSWORD);
  });

  it('refuses a wrong current password (BAD_REQUEST naming the field) and a short new one', async () => {
    const { req, email } = await signUpOrg(app);
    const wrong = await expectTrpcError(
      app
        .caller(req)
        .auth.changePassword({ currentPassword: 'not my password', newPassword: 'another long one' }),
      'BAD_REQUEST',
    );
    expect(wrong.message).toMatch(/^currentPassword/);
    await expectTrpcError(
      app.caller(req).auth.changePassword({ currentPassword: PASSWORD, newPassword: 'short' }),
      'BAD_REQUEST',
    );
    // Still the old password.
    await app.caller({ ip: uniqueIp() }).auth.signIn({ email, password: PASSWORD });
  });

  it('limits guesses of the current password like sign-in attempts', async () => {
    const { req } = await signUpOrg(app);
    const ip = uniqueIp();
    const caller = app.caller({ ...req, ip });
    for (let i = 0; i < app.deps.config.signInLimitPerMinute; i++) {
      await expectTrpcError(
        caller.auth.changePassword({
          currentPassword: `guess number ${i}`,
          newPassword: 'whatever long enough',
        }),
        'BAD_REQUEST',
      );
    }
    const { caller: limited, headers } = app.callerWithHeaders({ ...req, ip });
    await expectTrpcError(
      limited.auth.changePassword({ currentPassword: PASSWORD, newPassword: 'whatever long enough' }),
      'TOO_MANY_REQUESTS',
      'rate_limited',
    );
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('needs a session', async () => {
    await expectTrpcError(
      app.caller().auth.changePassword({ currentPassword: PASSWORD, newPassword: 'whatever long enough' }),
      'UNAUTHORIZED',
    );
  });
});

describe('sessions', () => {
  it('expire after 7 days idle, and each use within the week pushes the expiry back', async () => {
    const { req } = await signUpOrg(app);
    const day = 24 * 60 * 60 * 1000;
    clock.advance(6 * day);
    expect(await app.caller(req).auth.me()).not.toBeNull();
    clock.advance(6 * day);
    expect(await app.caller(req).auth.me()).not.toBeNull();
    clock.advance(7 * day + 1);
    expect(await app.caller(req).auth.me()).toBeNull();
    await expectTrpcError(app.caller(req).org.get(), 'UNAUTHORIZED');
  });

  it('re-sends the cookie when the session is seen after an hour, so the browser copy lives on too', async () => {
    const { req, token } = await signUpOrg(app);
    clock.advance(30 * 60 * 1000);
    const soon = app.callerWithHeaders(req);
    await soon.caller.auth.me();
    expect(soon.headers.get('set-cookie')).toBeUndefined();
    clock.advance(31 * 60 * 1000);
    const later = app.callerWithHeaders(req);
    await later.caller.org.get();
    expect(later.headers.get('set-cookie')).toBe(
      `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${7 * 24 * 3600}`,
    );
    const right = app.callerWithHeaders(req);
    await right.caller.auth.me();
    expect(right.headers.get('set-cookie')).toBeUndefined();
  });

  it('an idle session is deleted once seen expired', async () => {
    const { req, user } = await signUpOrg(app);
    clock.advance(7 * 24 * 60 * 60 * 1000 + 1);
    expect(await app.caller(req).auth.me()).toBeNull();
    const rows = await app.deps.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(rows).toHaveLength(0);
  });
});
