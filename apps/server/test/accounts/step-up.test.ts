import { auditEvents } from '@keyhole/api/internal/db/schema';
import { loadConfig } from '@keyhole/api/internal/env';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { createKey } from '@keyhole/api/internal/services/keys/create-key';
import type { RequestInfo } from '@keyhole/api/internal/trpc/context';
import { callError, expectTrpcError } from '@keyhole/testing/errors';
import { uniqueIp } from '@keyhole/testing/ips';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { cookiesFor, PASSWORD, signUpOrg, tokenFromSetCookie } from './account-helpers';

const MINUTE = 60_000;
let app: TestApp;
const clock = new ManualClock();

beforeAll(async () => {
  app = await createTestApp({ clock, env: { KEYHOLE_SIGNIN_LIMIT_PER_MINUTE: '3' } });
});
afterAll(async () => {
  await app?.close();
});

async function signIn(email: string) {
  const { caller, headers } = app.callerWithHeaders({ ip: uniqueIp() });
  await caller.auth.signIn({ email, password: PASSWORD });
  return cookiesFor(tokenFromSetCookie(headers.get('set-cookie')));
}

/** Each of the three step-up actions once, as this session; what each answered. */
async function stepUpActions(req: Partial<RequestInfo>) {
  const caller = () => app.caller({ ...req, ip: uniqueIp() });
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'OK',
      async (e) => {
        const { code, reason } = await callError(Promise.reject(e));
        return reason ? `${code}/${reason}` : code;
      },
    );
  const create = await outcome(caller().keys.create({ name: 'Step-up', scope: 'org_limited' }));
  // A key to act on, made the way the CLI does: the use case, with no session to step up.
  const org = await caller().org.get();
  const { key } = await createKey(app.deps, systemActor(org.id), {
    name: 'Target',
    scope: 'org_limited',
    expiresAt: null,
  });
  const regenerate = await outcome(caller().keys.regenerate({ id: key.id }));
  const reveal = await outcome(caller().keys.reveal({ id: key.id }));
  // Everything else an admin does is not step-up.
  const rename = await outcome(caller().keys.rename({ id: key.id, name: 'Renamed' }));
  const usage = await outcome(caller().keys.usage({ id: key.id }));
  const revoke = await outcome(caller().keys.revoke({ id: key.id }));
  return { create, regenerate, reveal, rename, usage, revoke };
}

const FRESH = { create: 'OK', regenerate: 'OK', reveal: 'OK', rename: 'OK', usage: 'OK', revoke: 'OK' };
const STALE = {
  create: 'FORBIDDEN/reauth_required',
  regenerate: 'FORBIDDEN/reauth_required',
  reveal: 'FORBIDDEN/reauth_required',
  rename: 'OK',
  usage: 'OK',
  revoke: 'OK',
};

describe('step-up (SPEC §5)', () => {
  it('sign-up and sign-in stamp the session: fresh for 15 minutes to the millisecond, then reauth_required', async () => {
    const admin = await signUpOrg(app);
    expect(await stepUpActions(admin.req)).toEqual(FRESH);
    clock.advance(15 * MINUTE);
    expect(await stepUpActions(admin.req)).toEqual(FRESH);
    clock.advance(1);
    expect(await stepUpActions(admin.req)).toEqual(STALE);

    const signedIn = await signIn(admin.email);
    expect(await stepUpActions(signedIn)).toEqual(FRESH);
    // The old session stays stale: a password entered in one session does not freshen another.
    expect(await stepUpActions(admin.req)).toEqual(STALE);
  });

  it('auth.confirmPassword stamps this session, answers until, and is audited', async () => {
    const admin = await signUpOrg(app);
    clock.advance(16 * MINUTE);
    expect(await stepUpActions(admin.req)).toEqual(STALE);
    const ip = uniqueIp();
    const answer = await app.caller({ ...admin.req, ip }).auth.confirmPassword({ password: PASSWORD });
    expect(answer).toEqual({ ok: true, until: new Date(clock.now().getTime() + 15 * MINUTE).toISOString() });
    expect(await stepUpActions(admin.req)).toEqual(FRESH);
    const [row] = await app.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, admin.org.id), eq(auditEvents.action, 'auth.password_confirmed')));
    expect(row).toMatchObject({
      actorType: 'user',
      actorId: admin.user.id,
      targetType: 'user',
      targetId: admin.user.id,
      details: { until: answer.until },
      ip,
    });
  });

  it('confirms of one session at once (a batch, two tabs) all succeed: they queue, none deadlocks', async () => {
    const admin = await signUpOrg(app);
    clock.advance(16 * MINUTE);
    // On PostgreSQL each call is its own transaction: the shared lock on the session and the stamp's
    // update deadlocked until the session row was taken for update first (the CI fuzz's batch: a 500).
    const answers = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        app.caller({ ...admin.req, ip: uniqueIp() }).auth.confirmPassword({ password: PASSWORD }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill('fulfilled'));
    expect(await stepUpActions(admin.req)).toEqual(FRESH);
  });

  it('a wrong password is BAD_REQUEST (the session is fine), audited in its own transaction, and changes nothing', async () => {
    const admin = await signUpOrg(app);
    clock.advance(16 * MINUTE);
    const ip = uniqueIp();
    const e = await callError(
      app.caller({ ...admin.req, ip }).auth.confirmPassword({ password: 'not the password' }),
    );
    expect(e).toMatchObject({ code: 'BAD_REQUEST', message: 'password: the password is wrong.' });
    expect(await stepUpActions(admin.req)).toEqual(STALE);
    const rows = await app.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, admin.org.id), eq(auditEvents.action, 'auth.password_confirm_failed')))
      .orderBy(asc(auditEvents.at));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorId: admin.user.id, details: { reason: 'wrong_password' }, ip });
    expect(JSON.stringify(rows)).not.toContain('not the password');
  });

  it('is limited like sign-in: the same budget per (account, IP), reset by a right password', async () => {
    const admin = await signUpOrg(app);
    const ip = uniqueIp();
    const confirm = (password: string, from = ip) =>
      app.caller({ ...admin.req, ip: from }).auth.confirmPassword({ password });
    await expectTrpcError(confirm('wrong 1'), 'BAD_REQUEST');
    await expectTrpcError(confirm('wrong 2'), 'BAD_REQUEST');
    // A sign-in attempt for the account from the same address spends the very same budget.
    await expectTrpcError(
      app.caller({ ip }).auth.signIn({ email: admin.email, password: 'wrong 3' }),
      'UNAUTHORIZED',
    );
    // The right password is refused too once the budget is spent: no guessing past the limit.
    await expectTrpcError(confirm(PASSWORD), 'TOO_MANY_REQUESTS', 'rate_limited');

    // Another address has its own budget, and a right password starts it afresh (5 tries > 3).
    const elsewhere = uniqueIp();
    await expectTrpcError(confirm('wrong 1', elsewhere), 'BAD_REQUEST');
    await expectTrpcError(confirm('wrong 2', elsewhere), 'BAD_REQUEST');
    expect((await confirm(PASSWORD, elsewhere)).ok).toBe(true);
    await expectTrpcError(confirm('wrong 3', elsewhere), 'BAD_REQUEST');
    await expectTrpcError(confirm('wrong 4', elsewhere), 'BAD_REQUEST');
    expect((await confirm(PASSWORD, elsewhere)).ok).toBe(true);
  });

  it('a session that never had its password entered (older than step-up) must confirm first', async () => {
    const admin = await signUpOrg(app);
    const legacy = await sessionRequest(app, admin.user.id, { passwordEnteredAt: null });
    expect(await stepUpActions(legacy)).toEqual(STALE);
  });

  it('checks the admin first, then the step-up: a stale member is admin_required', async () => {
    const admin = await signUpOrg(app);
    const member = await app
      .caller(admin.req)
      .members.add({ email: `m-${Date.now()}@example.test`, name: 'M', role: 'member', password: PASSWORD });
    const stale = await sessionRequest(app, member.id, { passwordEnteredAt: null });
    await expectTrpcError(
      app.caller(stale).keys.create({ name: 'x', scope: 'org_limited' }),
      'FORBIDDEN',
      'admin_required',
    );
  });

  it('follows KEYHOLE_REAUTH_MINUTES, within its bounds', async () => {
    const shortClock = new ManualClock();
    const short = await createTestApp({ clock: shortClock, env: { KEYHOLE_REAUTH_MINUTES: '1' } });
    try {
      const admin = await short.caller({ ip: uniqueIp() }).auth.signUp({
        orgName: 'Short',
        name: 'A',
        email: `short-${Date.now()}@example.test`,
        password: PASSWORD,
      });
      const req = await sessionRequest(short, admin.user.id);
      shortClock.advance(MINUTE + 1);
      const e = await expectTrpcError(
        short.caller(req).keys.create({ name: 'x', scope: 'org_limited' }),
        'FORBIDDEN',
        'reauth_required',
      );
      expect(e.message).toMatch(/last 1 minute \(auth\.confirmPassword\)/);
      const until = await short
        .caller({ ...req, ip: uniqueIp() })
        .auth.confirmPassword({ password: PASSWORD });
      expect(until.until).toBe(new Date(shortClock.now().getTime() + MINUTE).toISOString());
    } finally {
      await short.close();
    }
    expect(loadConfig({ NODE_ENV: 'test' }).reauthMinutes).toBe(15);
    expect(() => loadConfig({ NODE_ENV: 'test', KEYHOLE_REAUTH_MINUTES: '0' })).toThrow(
      /KEYHOLE_REAUTH_MINUTES/,
    );
    expect(() => loadConfig({ NODE_ENV: 'test', KEYHOLE_REAUTH_MINUTES: '1441' })).toThrow(
      /KEYHOLE_REAUTH_MINUTES/,
    );
  });

  it('leaves the use cases alone: the CLI and seeds create keys with no session at all', async () => {
    const admin = await signUpOrg(app);
    clock.advance(60 * MINUTE);
    const { secret } = await createKey(app.deps, systemActor(admin.org.id), {
      name: 'CLI',
      scope: 'org_full',
      expiresAt: null,
    });
    expect(secret).toMatch(/^kh_/);
  });
});
