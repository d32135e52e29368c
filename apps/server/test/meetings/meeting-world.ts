import type { MeetingFacts } from '@keyhole/core';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import type { TestApp } from '../support/test-app';

/**
 * A small org whose meetings exercise every line of SPEC §2, plus a second org that must never leak:
 *
 * | meeting | host | private | attendees (org users)   |
 * |---------|------|---------|-------------------------|
 * | shared  | mo   | no      | pia, an outsider        |
 * | moPriv  | mo   | yes     | pia                     |
 * | adaPub  | ada  | no      | mo                      |
 * | piaSolo | pia  | no      | —                       |
 * | adaPriv | ada  | yes     | —                       |
 * | piaPriv | pia  | yes     | mo                      |
 * | other   | bob (other org) | no | mo's address, unlinked |
 */
export async function seedMeetingWorld(app: TestApp, opts: { orgFullKeysIncludePrivate?: boolean } = {}) {
  const db = app.deps.db;
  const org = await seedOrg(db, { orgFullKeysIncludePrivate: opts.orgFullKeysIncludePrivate ?? true });
  const otherOrg = await seedOrg(db);
  const tag = org.id.slice(0, 8);
  const ada = await seedUser(db, {
    orgId: org.id,
    role: 'admin',
    name: 'Ada',
    email: `ada-${tag}@example.test`,
  });
  const mo = await seedUser(db, { orgId: org.id, name: 'Mo', email: `Mo-${tag}@Example.test` });
  const pia = await seedUser(db, { orgId: org.id, name: 'Pia', email: `pia-${tag}@example.test` });
  const bob = await seedUser(db, { orgId: otherOrg.id, name: 'Bob', email: `bob-${tag}@example.test` });
  const att = (u: { id: string; email: string; name: string }) => ({
    email: u.email,
    name: u.name,
    userId: u.id,
  });
  const at = (day: number) => new Date(Date.UTC(2026, 0, day, 9, 0, 0));
  const ids = {
    shared: await seedMeeting(db, {
      orgId: org.id,
      hostId: mo.id,
      subject: 'Shared',
      startAt: at(1),
      attendees: [att(pia), { email: 'guest@elsewhere.test', name: 'Guest', userId: null }],
      state: 'completed',
      createdAt: at(1),
      transcript: [{ speaker: 'Mo', startSeconds: 0, endSeconds: 4.5, text: 'Hello all.' }],
    }),
    moPriv: await seedMeeting(db, {
      orgId: org.id,
      hostId: mo.id,
      subject: 'Mo private',
      startAt: at(2),
      isPrivate: true,
      attendees: [att(pia)],
      transcript: [{ speaker: 'Mo', startSeconds: 0, endSeconds: 1, text: 'Secret.' }],
    }),
    adaPub: await seedMeeting(db, {
      orgId: org.id,
      hostId: ada.id,
      subject: 'Ada public',
      startAt: at(3),
      attendees: [att(mo)],
    }),
    piaSolo: await seedMeeting(db, { orgId: org.id, hostId: pia.id, subject: 'Pia solo', startAt: at(4) }),
    adaPriv: await seedMeeting(db, {
      orgId: org.id,
      hostId: ada.id,
      subject: 'Ada private',
      startAt: at(5),
      isPrivate: true,
    }),
    piaPriv: await seedMeeting(db, {
      orgId: org.id,
      hostId: pia.id,
      subject: 'Pia private',
      startAt: at(6),
      isPrivate: true,
      attendees: [att(mo)],
    }),
    other: await seedMeeting(db, {
      orgId: otherOrg.id,
      hostId: bob.id,
      subject: 'Other org',
      startAt: at(7),
      attendees: [{ email: mo.email, name: 'Mo', userId: null }],
    }),
  };
  const h = (hostId: string, orgId: string, isPrivate: boolean, attendees: string[]): MeetingFacts => ({
    orgId,
    hostId,
    isPrivate,
    attendeeUserIds: attendees,
  });
  // The same world as core's rule sees it, to hold the hand-written expectations against.
  const facts: Record<keyof typeof ids, MeetingFacts> = {
    shared: h(mo.id, org.id, false, [pia.id]),
    moPriv: h(mo.id, org.id, true, [pia.id]),
    adaPub: h(ada.id, org.id, false, [mo.id]),
    piaSolo: h(pia.id, org.id, false, []),
    adaPriv: h(ada.id, org.id, true, []),
    piaPriv: h(pia.id, org.id, true, [mo.id]),
    other: h(bob.id, otherOrg.id, false, []),
  };
  return { org, otherOrg, ada, mo, pia, bob, ids, facts };
}

export type MeetingWorld = Awaited<ReturnType<typeof seedMeetingWorld>>;
export type MeetingName = keyof MeetingWorld['ids'];

/** SPEC §2 applied by hand to the world above; `other` is never readable from the first org. */
export const EXPECTED: Record<string, MeetingName[]> = {
  session_mo: ['shared', 'moPriv', 'adaPub'],
  session_ada: ['adaPub', 'adaPriv'],
  session_pia: ['shared', 'piaSolo', 'piaPriv'],
  user_limited_mo: ['shared', 'adaPub'],
  user_full_mo: ['shared', 'moPriv', 'adaPub'],
  user_limited_pia: ['shared', 'piaSolo'],
  user_full_pia: ['shared', 'piaSolo', 'piaPriv'],
  org_limited: ['shared', 'adaPub', 'piaSolo'],
  org_full: ['shared', 'moPriv', 'adaPub', 'piaSolo', 'adaPriv', 'piaPriv'],
  org_full_without_private: ['shared', 'adaPub', 'piaSolo'],
  legacy: ['shared', 'moPriv', 'adaPub', 'piaSolo', 'adaPriv', 'piaPriv'],
};

export const ALL_MEETINGS: MeetingName[] = [
  'shared',
  'moPriv',
  'adaPub',
  'piaSolo',
  'adaPriv',
  'piaPriv',
  'other',
];

export function idsOf(world: MeetingWorld, names: readonly MeetingName[]): string[] {
  return names.map((n) => world.ids[n]).sort();
}
