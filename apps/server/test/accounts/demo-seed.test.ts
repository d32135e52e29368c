import { meetingAttendees, meetings, orgs, transcripts, users } from '@keyhole/api/internal/db/schema';
import {
  DEMO_OUTSIDER,
  DEMO_PASSWORD,
  DEMO_USERS,
  type DemoSeed,
} from '@keyhole/api/internal/services/seed/demo-org';
import {
  DemoAlreadySeededError,
  demoInstructions,
  seedDemo,
} from '@keyhole/api/internal/services/seed/demo-seed';
import { seedDemoOnFirstStart } from '@keyhole/api/internal/services/seed/first-start-seed';
import { canPrincipalRead, type MeetingFacts, type Principal, userCanSee } from '@keyhole/core';
import { expectTrpcError } from '@keyhole/testing/errors';
import { uniqueIp } from '@keyhole/testing/ips';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/cli/cli-error';
import { commands } from '../../src/cli/commands';
import { createTestApp, type TestApp } from '../support/test-app';
import { isPostgres } from '../support/test-database';

/** The demo seed runs against this file's own, initially empty database, in this order. */
let app: TestApp;
let seed: DemoSeed;

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function meetingFacts(orgId: string): Promise<(MeetingFacts & { id: string; subject: string })[]> {
  const rows = await app.deps.db.select().from(meetings).where(eq(meetings.orgId, orgId));
  const attendees = await app.deps.db.select().from(meetingAttendees);
  return rows.map((m) => ({
    id: m.id,
    subject: m.subject,
    orgId: m.orgId,
    hostId: m.hostId,
    isPrivate: m.isPrivate,
    attendeeUserIds: attendees.filter((a) => a.meetingId === m.id && a.userId).map((a) => a.userId!),
  }));
}

describe('first-start seed', () => {
  const withSeed = (
    seed: 'auto' | 'demo' | 'off',
    over: { kind?: 'pglite' | 'postgres'; nodeEnv?: 'production' } = {},
  ) => ({
    ...app.deps,
    config: { ...app.deps.config, seed, ...(over.nodeEnv ? { nodeEnv: over.nodeEnv } : {}) },
    database: { ...app.deps.database, kind: over.kind ?? app.deps.database.kind },
  });

  it('does nothing when KEYHOLE_SEED is off', async () => {
    expect(await seedDemoOnFirstStart(withSeed('off'))).toBeNull();
    expect(await app.deps.db.select().from(orgs)).toHaveLength(0);
  });

  it('auto never seeds PostgreSQL nor a production server, even on an empty database', async () => {
    expect(await seedDemoOnFirstStart(withSeed('auto', { kind: 'postgres' }))).toBeNull();
    expect(
      await seedDemoOnFirstStart(withSeed('auto', { kind: 'pglite', nodeEnv: 'production' })),
    ).toBeNull();
    expect(
      await seedDemoOnFirstStart(withSeed('auto', { kind: 'postgres', nodeEnv: 'production' })),
    ).toBeNull();
    expect(await app.deps.db.select().from(orgs)).toHaveLength(0);
  });

  it('seeds the demo org on an empty database: auto on the embedded one, demo on any (PostgreSQL here when DATABASE_URL is set)', async () => {
    const made = isPostgres()
      ? await seedDemoOnFirstStart(withSeed('demo', { nodeEnv: 'production' }))
      : await seedDemoOnFirstStart(withSeed('auto'));
    expect(made).not.toBeNull();
    seed = made!;
    const [org] = await app.deps.db.select().from(orgs);
    expect(org).toMatchObject({ id: seed.orgId, name: 'Acme Demo' });
  });

  it('does nothing once the database has an org', async () => {
    expect(await seedDemoOnFirstStart(app.deps)).toBeNull();
    expect(await seedDemoOnFirstStart(withSeed('demo'))).toBeNull();
    expect(await app.deps.db.select().from(orgs)).toHaveLength(1);
  });
});

describe('the demo org', () => {
  it('has an admin and at least three active members, all signing in with the demo password', async () => {
    const rows = await app.deps.db.select().from(users).where(eq(users.orgId, seed.orgId));
    const admin = rows.find((u) => u.email === 'admin@acme.test');
    expect(admin).toMatchObject({ role: 'admin', status: 'active' });
    expect(rows.filter((u) => u.role === 'member' && u.status === 'active').length).toBeGreaterThanOrEqual(3);
    for (const u of rows) {
      expect(u.passwordHash).toMatch(/^scrypt\$/);
      expect(u.passwordHash).not.toContain(DEMO_PASSWORD);
    }
    const signedIn = await app.caller({ ip: uniqueIp() }).auth.signIn({
      email: 'admin@acme.test',
      password: DEMO_PASSWORD,
    });
    expect(signedIn.user.role).toBe('admin');
    expect(signedIn.org.name).toBe('Acme Demo');
    const bea = await app
      .caller({ ip: uniqueIp() })
      .auth.signIn({ email: DEMO_USERS.bea.email, password: DEMO_PASSWORD });
    expect(bea.user.role).toBe('member');
    await expectTrpcError(
      app.caller({ ip: uniqueIp() }).auth.signIn({ email: DEMO_USERS.eve.email, password: DEMO_PASSWORD }),
      'FORBIDDEN',
    );
  });

  it('covers every visibility class of SPEC §2 from a member point of view', async () => {
    const facts = await meetingFacts(seed.orgId);
    const bea = seed.users.bea.id;
    const classes = {
      hostedPublic: facts.filter((m) => m.hostId === bea && !m.isPrivate),
      hostedPrivate: facts.filter((m) => m.hostId === bea && m.isPrivate),
      attendedPublic: facts.filter(
        (m) => m.hostId !== bea && m.attendeeUserIds.includes(bea) && !m.isPrivate,
      ),
      attendedPrivate: facts.filter(
        (m) => m.hostId !== bea && m.attendeeUserIds.includes(bea) && m.isPrivate,
      ),
      notAttended: facts.filter((m) => m.hostId !== bea && !m.attendeeUserIds.includes(bea)),
      notAttendedPrivate: facts.filter(
        (m) => m.hostId !== bea && !m.attendeeUserIds.includes(bea) && m.isPrivate,
      ),
    };
    for (const [name, list] of Object.entries(classes)) expect(list.length, name).toBeGreaterThan(0);
    expect(classes.attendedPrivate.every((m) => !userCanSee(bea, seed.orgId, m))).toBe(true);
    expect(classes.attendedPublic.every((m) => userCanSee(bea, seed.orgId, m))).toBe(true);
  });

  it('gives each key scope a different view of the meetings', async () => {
    const facts = await meetingFacts(seed.orgId);
    const settings = { orgFullKeysIncludePrivate: true, allowKeyReveal: true };
    const visible = (p: Principal) => facts.filter((m) => canPrincipalRead(p, settings, m)).length;
    const orgId = seed.orgId;
    const bea = seed.users.bea.id;
    const counts = {
      user_limited: visible({ kind: 'key', orgId, scope: 'user_limited', issuedToUserId: bea }),
      user_full: visible({ kind: 'key', orgId, scope: 'user_full', issuedToUserId: bea }),
      org_limited: visible({ kind: 'key', orgId, scope: 'org_limited', issuedToUserId: null }),
      org_full: visible({ kind: 'key', orgId, scope: 'org_full', issuedToUserId: null }),
    };
    // Four different sizes, so a demo user sees at a glance that each scope reads something else.
    expect(new Set(Object.values(counts)).size).toBe(4);
    expect(counts.user_limited).toBeLessThan(counts.user_full);
    expect(counts.org_limited).toBeLessThan(counts.org_full);
    expect(counts.org_full).toBe(facts.length);
    const orgFullWithoutPrivate = facts.filter((m) =>
      canPrincipalRead(
        { kind: 'key', orgId, scope: 'org_full', issuedToUserId: null },
        { ...settings, orgFullKeysIncludePrivate: false },
        m,
      ),
    ).length;
    expect(orgFullWithoutPrivate).toBe(counts.org_limited);
  });

  it('has completed meetings with transcripts, every state, and an outsider attendee', async () => {
    const rows = await app.deps.db.select().from(meetings).where(eq(meetings.orgId, seed.orgId));
    expect(new Set(rows.map((m) => m.state))).toEqual(
      new Set(['scheduled', 'in_progress', 'completed', 'cancelled']),
    );
    const withTranscript = rows.filter((m) => m.transcriptReady);
    expect(withTranscript.length).toBeGreaterThanOrEqual(3);
    expect(withTranscript.every((m) => m.state === 'completed' && m.completedAt !== null)).toBe(true);
    const texts = await app.deps.db.select().from(transcripts);
    expect(texts.filter((t) => withTranscript.some((m) => m.id === t.meetingId))).toHaveLength(
      withTranscript.length,
    );
    for (const m of rows) {
      expect(m.endAt.getTime()).toBeGreaterThanOrEqual(m.startAt.getTime());
      expect(m.completedAt !== null).toBe(m.state === 'completed');
    }
    const outsiders = await app.deps.db
      .select()
      .from(meetingAttendees)
      .where(eq(meetingAttendees.email, DEMO_OUTSIDER.email));
    expect(outsiders.length).toBeGreaterThan(0);
    expect(outsiders.every((a) => a.userId === null)).toBe(true);
    expect(Object.keys(seed.meetings)).toHaveLength(rows.length);
  });

  it('prints how to sign in: URL, every email and the password', () => {
    const text = demoInstructions(seed, 'http://127.0.0.1:3000', ['  extra line from a later seed']);
    expect(text).toContain('http://127.0.0.1:3000');
    for (const u of Object.values(DEMO_USERS)) expect(text).toContain(u.email);
    expect(text).toContain(DEMO_PASSWORD);
    expect(text).toContain('extra line from a later seed');
  });
});

describe('seed --demo', () => {
  it('refuses to seed the demo org twice', async () => {
    await expect(seedDemo(app.deps)).rejects.toBeInstanceOf(DemoAlreadySeededError);
    const run = commands.seed!(app, ['--demo']);
    await expect(run).rejects.toBeInstanceOf(CliError);
    await expect(run).rejects.toThrow(/already exists/);
    expect(await app.deps.db.select().from(orgs)).toHaveLength(1);
  });

  it('prints usage without --demo', async () => {
    await expect(commands.seed!(app, [])).rejects.toThrow(/seed --demo/);
  });
});

describe('demo keys', () => {
  it('has one key per scope and a legacy key, each listing exactly what SPEC §2 allows it', async () => {
    const { sessionRequest } = await import('../support/sessions');
    const admin = app.caller(await sessionRequest(app, seed.users.admin.id));
    const { keys } = await admin.keys.list();
    expect(keys.map((k) => k.scope).sort()).toEqual([
      'legacy',
      'org_full',
      'org_limited',
      'user_full',
      'user_limited',
    ]);
    const facts = await meetingFacts(seed.orgId);
    const settings = (await admin.org.get()).settings;
    const counts = new Set<number>();
    for (const k of keys) {
      const { secret } = await admin.keys.reveal({ id: k.id });
      const principal: Principal = {
        kind: 'key',
        orgId: seed.orgId,
        scope: k.scope,
        issuedToUserId: k.issuedTo?.id ?? null,
      };
      const expected = facts.filter((m) => canPrincipalRead(principal, settings, m)).map((m) => m.id);
      const page = await app
        .caller({ authorization: `Bearer ${secret}`, ip: uniqueIp() })
        .meetings.list({ limit: 100 });
      expect(page.items.map((m) => m.id).sort()).toEqual([...expected].sort());
      counts.add(expected.length);
    }
    // The user keys, the org keys and the legacy key do not all see the same meetings.
    expect(counts.size).toBeGreaterThanOrEqual(3);
    expect(demoInstructions(seed, 'http://127.0.0.1:3000')).toContain('BI dashboard');
  });
});
