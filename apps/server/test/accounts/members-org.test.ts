import { randomUUID } from 'node:crypto';
import { auditEvents, meetingAttendees, sessions, users } from '@keyhole/api/internal/db/schema';
import type { ChangeEvent } from '@keyhole/api/internal/lib/change-feed';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { expectTrpcError } from '@keyhole/testing/errors';
import { uniqueIp } from '@keyhole/testing/ips';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { createTestApp, type TestApp } from '../support/test-app';
import { addSignedInMember, PASSWORD, signUpOrg, uniqueEmail } from './account-helpers';

let app: TestApp;
const clock = new ManualClock();
const published: ChangeEvent[] = [];
// The feed delivers a change to this process at once and again through LISTEN/NOTIFY; count each once.
const publishedOnce = () => [...new Set(published.map((e) => JSON.stringify(e)))].map((e) => JSON.parse(e));
const tick = () => clock.advance(1000);

beforeAll(async () => {
  app = await createTestApp({ clock });
  app.deps.changes.subscribe((e) => published.push(e));
});
afterAll(async () => {
  await app?.close();
});

async function auditFor(orgId: string, action: string) {
  return app.deps.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)))
    .orderBy(asc(auditEvents.at));
}

describe('org.get', () => {
  it('answers the caller org for any member', async () => {
    const admin = await signUpOrg(app, { orgName: 'Initech' });
    const member = await addSignedInMember(app, admin.token);
    const expected = {
      id: admin.org.id,
      name: 'Initech',
      settings: { orgFullKeysIncludePrivate: true, allowKeyReveal: true, leakedKeyAction: 'revoke' },
    };
    expect(await app.caller(admin.req).org.get()).toEqual(expected);
    expect(await app.caller(member.req).org.get()).toEqual(expected);
  });

  it('needs a session', async () => {
    await expectTrpcError(app.caller().org.get(), 'UNAUTHORIZED');
  });
});

describe('org.updateSettings', () => {
  it('changes the given settings, audits before and after, and publishes the org change', async () => {
    const admin = await signUpOrg(app);
    published.length = 0;
    const after = await app
      .caller({ ...admin.req, ip: '10.7.7.7', userAgent: 'settings-ua' })
      .org.updateSettings({ orgFullKeysIncludePrivate: false });
    expect(after).toEqual({
      orgFullKeysIncludePrivate: false,
      allowKeyReveal: true,
      leakedKeyAction: 'revoke',
    });
    expect((await app.caller(admin.req).org.get()).settings).toEqual(after);
    tick();
    expect(await app.caller(admin.req).org.updateSettings({ allowKeyReveal: false })).toEqual({
      orgFullKeysIncludePrivate: false,
      allowKeyReveal: false,
      leakedKeyAction: 'revoke',
    });
    const events = await auditFor(admin.org.id, 'org.settings_updated');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      actorId: admin.user.id,
      targetType: 'org',
      targetId: admin.org.id,
      ip: '10.7.7.7',
      userAgent: 'settings-ua',
      details: {
        before: { orgFullKeysIncludePrivate: true, allowKeyReveal: true, leakedKeyAction: 'revoke' },
        after: { orgFullKeysIncludePrivate: false, allowKeyReveal: true, leakedKeyAction: 'revoke' },
      },
    });
    expect(publishedOnce()).toEqual([{ kind: 'org', id: admin.org.id }]);
  });

  it('sets leakedKeyAction (SPEC §12: revoke by default, or notify) and audits it', async () => {
    const admin = await signUpOrg(app);
    expect((await app.caller(admin.req).org.get()).settings.leakedKeyAction).toBe('revoke');
    expect(await app.caller(admin.req).org.updateSettings({ leakedKeyAction: 'notify' })).toEqual({
      orgFullKeysIncludePrivate: true,
      allowKeyReveal: true,
      leakedKeyAction: 'notify',
    });
    expect((await app.caller(admin.req).org.get()).settings.leakedKeyAction).toBe('notify');
    const events = await auditFor(admin.org.id, 'org.settings_updated');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      details: { before: { leakedKeyAction: 'revoke' }, after: { leakedKeyAction: 'notify' } },
    });
    await expectTrpcError(
      app.caller(admin.req).org.updateSettings({ leakedKeyAction: 'delete' } as never),
      'BAD_REQUEST',
    );
  });

  it('answers a patch that changes nothing without an event', async () => {
    const admin = await signUpOrg(app);
    expect(await app.caller(admin.req).org.updateSettings({})).toEqual({
      orgFullKeysIncludePrivate: true,
      allowKeyReveal: true,
      leakedKeyAction: 'revoke',
    });
    expect(await app.caller(admin.req).org.updateSettings({ allowKeyReveal: true })).toMatchObject({
      allowKeyReveal: true,
    });
    expect(await auditFor(admin.org.id, 'org.settings_updated')).toHaveLength(0);
  });

  it('is for admins only and never touches another org', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    const other = await signUpOrg(app);
    await expectTrpcError(
      app.caller(member.req).org.updateSettings({ allowKeyReveal: false }),
      'FORBIDDEN',
      'admin_required',
    );
    await expectTrpcError(app.caller().org.updateSettings({ allowKeyReveal: false }), 'UNAUTHORIZED');
    await app.caller(other.req).org.updateSettings({ allowKeyReveal: false });
    expect((await app.caller(admin.req).org.get()).settings.allowKeyReveal).toBe(true);
  });

  it('validates the input', async () => {
    const admin = await signUpOrg(app);
    await expectTrpcError(
      app.caller(admin.req).org.updateSettings({ allowKeyReveal: 'no' } as never),
      'BAD_REQUEST',
    );
    await expectTrpcError(app.caller(admin.req).org.updateSettings({ name: 'x' } as never), 'BAD_REQUEST');
  });
});

describe('members.list', () => {
  it('lists every user of the org, deactivated ones included, oldest first, never another org', async () => {
    const admin = await signUpOrg(app);
    tick();
    const a = await addSignedInMember(app, admin.token);
    tick();
    const b = await addSignedInMember(app, admin.token, { role: 'admin' });
    await app.caller(admin.req).members.setStatus({ userId: a.user.id, status: 'deactivated' });
    await signUpOrg(app);
    const list = await app.caller(admin.req).members.list();
    expect(list.map((u) => u.id)).toEqual([admin.user.id, a.user.id, b.user.id]);
    expect(list.find((u) => u.id === a.user.id)).toEqual({ ...a.user, status: 'deactivated' });
    expect(Object.keys(list[0]!).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'role', 'status']);
  });

  it('is for admins only', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    await expectTrpcError(app.caller(member.req).members.list(), 'FORBIDDEN', 'admin_required');
    await expectTrpcError(app.caller().members.list(), 'UNAUTHORIZED');
  });
});

describe('members.add', () => {
  it('adds a member who can sign in, stores the email as typed, and audits', async () => {
    const admin = await signUpOrg(app);
    const email = `Mixed.Case-${randomUUID().slice(0, 6)}@Example.test`;
    const user = await app
      .caller(admin.req)
      .members.add({ email: `  ${email} `, name: ' Nia ', role: 'member', password: PASSWORD });
    expect(user).toEqual({
      id: expect.any(String),
      email,
      name: 'Nia',
      role: 'member',
      status: 'active',
      createdAt: app.clock.now().toISOString(),
    });
    const signedIn = await app
      .caller({ ip: uniqueIp() })
      .auth.signIn({ email: email.toLowerCase(), password: PASSWORD });
    expect(signedIn.user).toEqual(user);
    expect(signedIn.org.id).toBe(admin.org.id);
    const [event] = await auditFor(admin.org.id, 'member.added');
    expect(event).toMatchObject({
      actorId: admin.user.id,
      targetType: 'user',
      targetId: user.id,
      targetName: email,
      details: { role: 'member' },
    });
    expect(JSON.stringify(event)).not.toContain(PASSWORD);
  });

  it('can add an admin', async () => {
    const admin = await signUpOrg(app);
    const added = await addSignedInMember(app, admin.token, { role: 'admin' });
    expect(added.user.role).toBe('admin');
    expect(await app.caller(added.req).members.list()).toHaveLength(2);
  });

  it('links meetings of the org that already list the email, and only those', async () => {
    const admin = await signUpOrg(app);
    const elsewhere = await seedOrg(app.deps.db);
    const elsewhereHost = await seedUser(app.deps.db, { orgId: elsewhere.id });
    const email = uniqueEmail('latecomer');
    const attendee = { email: email.toUpperCase(), name: 'Late Comer', userId: null };
    const publicMeeting = await seedMeeting(app.deps.db, {
      orgId: admin.org.id,
      hostId: admin.user.id,
      subject: 'Before they joined',
      attendees: [attendee],
    });
    const privateMeeting = await seedMeeting(app.deps.db, {
      orgId: admin.org.id,
      hostId: admin.user.id,
      isPrivate: true,
      attendees: [attendee],
    });
    const foreignMeeting = await seedMeeting(app.deps.db, {
      orgId: elsewhere.id,
      hostId: elsewhereHost.id,
      attendees: [attendee],
    });
    const user = await app
      .caller(admin.req)
      .members.add({ email, name: 'Late Comer', role: 'member', password: PASSWORD });
    const rows = await app.deps.db
      .select()
      .from(meetingAttendees)
      .where(eq(meetingAttendees.email, attendee.email));
    const byMeeting = Object.fromEntries(rows.map((r) => [r.meetingId, r.userId]));
    expect(byMeeting).toEqual({
      [publicMeeting]: user.id,
      [privateMeeting]: user.id,
      [foreignMeeting]: null,
    });
    const [event] = await auditFor(admin.org.id, 'member.added');
    expect(event!.details).toMatchObject({ linkedMeetings: 2 });
  });

  it('refuses a taken email in any org and any case with CONFLICT', async () => {
    const admin = await signUpOrg(app);
    const other = await signUpOrg(app);
    for (const email of [other.email, other.email.toUpperCase(), admin.email]) {
      await expectTrpcError(
        app.caller(admin.req).members.add({ email, name: 'Dup', role: 'member', password: PASSWORD }),
        'CONFLICT',
      );
    }
    expect(await app.caller(admin.req).members.list()).toHaveLength(1);
  });

  it('validates the input', async () => {
    const admin = await signUpOrg(app);
    const base = { email: uniqueEmail(), name: 'Val', role: 'member' as const, password: PASSWORD };
    const caller = app.caller(admin.req);
    await expectTrpcError(caller.members.add({ ...base, password: 'too short' }), 'BAD_REQUEST');
    await expectTrpcError(caller.members.add({ ...base, email: 'nope' }), 'BAD_REQUEST');
    await expectTrpcError(caller.members.add({ ...base, role: 'owner' } as never), 'BAD_REQUEST');
    await expectTrpcError(caller.members.add({ ...base, status: 'active' } as never), 'BAD_REQUEST');
    await expectTrpcError(caller.members.add({ email: base.email, name: 'x' } as never), 'BAD_REQUEST');
  });

  it('is for admins only, credentials checked before input', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    await expectTrpcError(
      app
        .caller(member.req)
        .members.add({ email: uniqueEmail(), name: 'X', role: 'admin', password: PASSWORD }),
      'FORBIDDEN',
      'admin_required',
    );
    await expectTrpcError(app.caller(member.req).members.add({ bogus: true } as never), 'FORBIDDEN');
    await expectTrpcError(app.caller().members.add({ bogus: true } as never), 'UNAUTHORIZED');
  });
});

describe('members.setRole', () => {
  it('promotes and demotes, audits from/to and publishes the user change', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    published.length = 0;
    const promoted = await app.caller(admin.req).members.setRole({ userId: member.user.id, role: 'admin' });
    expect(promoted).toEqual({ ...member.user, role: 'admin' });
    expect(await app.caller(member.req).members.list()).toHaveLength(2);
    tick();
    await app.caller(admin.req).members.setRole({ userId: member.user.id, role: 'member' });
    await expectTrpcError(app.caller(member.req).members.list(), 'FORBIDDEN', 'admin_required');
    const events = await auditFor(admin.org.id, 'member.role_changed');
    expect(events.map((e) => e.details)).toEqual([
      { from: 'member', to: 'admin' },
      { from: 'admin', to: 'member' },
    ]);
    expect(events[0]).toMatchObject({ actorId: admin.user.id, targetId: member.user.id });
    expect(publishedOnce()).toEqual([{ kind: 'user', id: member.user.id }]);
  });

  it('refuses to demote the last active admin, yourself included', async () => {
    const admin = await signUpOrg(app);
    await expectTrpcError(
      app.caller(admin.req).members.setRole({ userId: admin.user.id, role: 'member' }),
      'PRECONDITION_FAILED',
      'last_admin',
    );
    // A deactivated admin does not count as someone who can manage the org.
    const dormant = await addSignedInMember(app, admin.token, { role: 'admin' });
    await app.caller(admin.req).members.setStatus({ userId: dormant.user.id, status: 'deactivated' });
    await expectTrpcError(
      app.caller(admin.req).members.setRole({ userId: admin.user.id, role: 'member' }),
      'PRECONDITION_FAILED',
      'last_admin',
    );
    expect((await app.caller(admin.req).auth.me())?.user.role).toBe('admin');
    // Demoting the deactivated admin is fine: they were not an active admin.
    await app.caller(admin.req).members.setRole({ userId: dormant.user.id, role: 'member' });
  });

  it('lets an admin step down while another active admin remains', async () => {
    const admin = await signUpOrg(app);
    const second = await addSignedInMember(app, admin.token, { role: 'admin' });
    const me = await app.caller(admin.req).members.setRole({ userId: admin.user.id, role: 'member' });
    expect(me.role).toBe('member');
    await expectTrpcError(app.caller(admin.req).members.list(), 'FORBIDDEN', 'admin_required');
    await expectTrpcError(
      app.caller(second.req).members.setRole({ userId: second.user.id, role: 'member' }),
      'PRECONDITION_FAILED',
      'last_admin',
    );
  });

  it('setting the role a member already has changes nothing and records nothing', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    expect(await app.caller(admin.req).members.setRole({ userId: member.user.id, role: 'member' })).toEqual(
      member.user,
    );
    expect(await auditFor(admin.org.id, 'member.role_changed')).toHaveLength(0);
  });

  it('is NOT_FOUND for unknown users and users of another org', async () => {
    const admin = await signUpOrg(app);
    const other = await signUpOrg(app);
    await expectTrpcError(
      app.caller(admin.req).members.setRole({ userId: randomUUID(), role: 'admin' }),
      'NOT_FOUND',
    );
    await expectTrpcError(
      app.caller(admin.req).members.setRole({ userId: other.user.id, role: 'member' }),
      'NOT_FOUND',
    );
    expect((await app.caller(other.req).auth.me())?.user.role).toBe('admin');
  });

  it('is for admins only and validates input', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    await expectTrpcError(
      app.caller(member.req).members.setRole({ userId: member.user.id, role: 'admin' }),
      'FORBIDDEN',
      'admin_required',
    );
    await expectTrpcError(
      app.caller(admin.req).members.setRole({ userId: 'not-a-uuid', role: 'admin' }),
      'BAD_REQUEST',
    );
    await expectTrpcError(
      app.caller(admin.req).members.setRole({ userId: member.user.id, role: 'owner' } as never),
      'BAD_REQUEST',
    );
  });
});

describe('members.setStatus', () => {
  it('deactivation ends the member sessions at once, publishes, audits; reactivation lets them back', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    expect(await app.caller(member.req).org.get()).toBeTruthy();
    published.length = 0;
    const deactivated = await app
      .caller(admin.req)
      .members.setStatus({ userId: member.user.id, status: 'deactivated' });
    expect(deactivated).toEqual({ ...member.user, status: 'deactivated' });
    await expectTrpcError(app.caller(member.req).org.get(), 'UNAUTHORIZED');
    expect(await app.caller(member.req).auth.me()).toBeNull();
    const left = await app.deps.db.select().from(sessions).where(eq(sessions.userId, member.user.id));
    expect(left).toHaveLength(0);
    expect(publishedOnce()).toEqual([{ kind: 'user', id: member.user.id }]);

    tick();
    published.length = 0;
    const reactivated = await app
      .caller(admin.req)
      .members.setStatus({ userId: member.user.id, status: 'active' });
    expect(reactivated.status).toBe('active');
    await app.caller({ ip: uniqueIp() }).auth.signIn({ email: member.email, password: PASSWORD });
    const events = await auditFor(admin.org.id, 'member.status_changed');
    expect(events.map((e) => e.details)).toEqual([
      { from: 'active', to: 'deactivated' },
      { from: 'deactivated', to: 'active' },
    ]);
    expect(publishedOnce()).toEqual([{ kind: 'user', id: member.user.id }]);
  });

  it('a session checked after deactivation fails even if the session row survived', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    // Deactivated behind the service's back: the status check alone still refuses the session.
    await app.deps.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, member.user.id));
    await expectTrpcError(app.caller(member.req).org.get(), 'UNAUTHORIZED');
  });

  it('refuses to deactivate yourself', async () => {
    const admin = await signUpOrg(app);
    await addSignedInMember(app, admin.token, { role: 'admin' });
    await expectTrpcError(
      app.caller(admin.req).members.setStatus({ userId: admin.user.id, status: 'deactivated' }),
      'PRECONDITION_FAILED',
      'self_deactivation',
    );
    expect(await app.caller(admin.req).auth.me()).not.toBeNull();
  });

  it('an admin deactivated by another admin loses access at once', async () => {
    const admin = await signUpOrg(app);
    const second = await addSignedInMember(app, admin.token, { role: 'admin' });
    await app.caller(second.req).members.setStatus({ userId: admin.user.id, status: 'deactivated' });
    await expectTrpcError(app.caller(admin.req).members.list(), 'UNAUTHORIZED');
    await expectTrpcError(
      app.caller(second.req).members.setRole({ userId: second.user.id, role: 'member' }),
      'PRECONDITION_FAILED',
      'last_admin',
    );
  });

  it('is NOT_FOUND across orgs, for admins only, and validates input', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    const other = await signUpOrg(app);
    const otherMember = await addSignedInMember(app, other.token);
    await expectTrpcError(
      app.caller(admin.req).members.setStatus({ userId: otherMember.user.id, status: 'deactivated' }),
      'NOT_FOUND',
    );
    expect(await app.caller(otherMember.req).auth.me()).not.toBeNull();
    await expectTrpcError(
      app.caller(member.req).members.setStatus({ userId: admin.user.id, status: 'deactivated' }),
      'FORBIDDEN',
      'admin_required',
    );
    await expectTrpcError(
      app.caller(admin.req).members.setStatus({ userId: member.user.id, status: 'banned' } as never),
      'BAD_REQUEST',
    );
  });
});
