import { randomUUID } from 'node:crypto';
import type { KeyholeDatabase } from '@keyhole/api/internal/db/create-database';
import {
  type MeetingOrder,
  meetingVisibleCondition,
  visibleMeetingIds,
} from '@keyhole/api/internal/db/meetings/access-sql';
import { meetings } from '@keyhole/api/internal/db/schema';
import {
  canPrincipalRead,
  type MeetingFacts,
  meetingAccessFor,
  type OrgSettings,
  type Principal,
  type Scope,
} from '@keyhole/core';
import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { createTestDatabase } from '../support/test-database';

/**
 * The heart of the product: for random orgs, users, meetings and principals, the SQL that serves
 * meeting lists and reads returns exactly the set core's pure rule accepts. The list is read through
 * `visibleMeetingIds`, the function the meetings router calls, page by page.
 */

let database: KeyholeDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const STATES = ['scheduled', 'in_progress', 'completed', 'cancelled'] as const;
const SCOPES: Scope[] = ['user_limited', 'user_full', 'org_limited', 'org_full', 'legacy'];

const worldArb = fc.record({
  usersPerOrg: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })),
  settings: fc.tuple(fc.boolean(), fc.boolean()),
  meetings: fc.array(
    fc.record({
      org: fc.integer({ min: 0, max: 1 }),
      host: fc.nat(),
      attendees: fc.array(fc.nat(), { maxLength: 4 }),
      outsiders: fc.nat({ max: 2 }),
      isPrivate: fc.boolean(),
      state: fc.constantFrom(...STATES),
      // A few distinct instants, so ties on the sort key are common and the id must break them.
      startSlot: fc.integer({ min: 0, max: 5 }),
      createdSlot: fc.integer({ min: 0, max: 5 }),
      completedSlot: fc.integer({ min: 0, max: 5 }),
    }),
    { maxLength: 14 },
  ),
  principal: fc.record({
    kind: fc.constantFrom<'session' | 'key'>('session', 'key'),
    scope: fc.constantFrom(...SCOPES),
    user: fc.nat(),
    org: fc.integer({ min: 0, max: 1 }),
  }),
  orderBy: fc.constantFrom<MeetingOrder>('startAt', 'createdAt', 'completedAt'),
  direction: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
  pageSize: fc.integer({ min: 1, max: 5 }),
  state: fc.option(fc.constantFrom(...STATES), { nil: undefined }),
  window: fc.option(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 6 })), {
    nil: undefined,
  }),
});

const slot = (n: number) => new Date(Date.UTC(2026, 0, 1 + n, 9, 0, 0));

describe('SQL meeting filter equals the pure rule', () => {
  it('for ≥ 200 random worlds, every list page and every single read agree', async () => {
    const db = database.db;
    let checkedMeetings = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const settings: OrgSettings[] = [
          { orgFullKeysIncludePrivate: w.settings[0], allowKeyReveal: true, leakedKeyAction: 'revoke' },
          { orgFullKeysIncludePrivate: w.settings[1], allowKeyReveal: true, leakedKeyAction: 'revoke' },
        ];
        const orgIds: string[] = [];
        const userIds: string[][] = [];
        for (let o = 0; o < 2; o++) {
          const org = await seedOrg(db, {
            orgFullKeysIncludePrivate: settings[o]!.orgFullKeysIncludePrivate,
          });
          orgIds.push(org.id);
          const ids: string[] = [];
          for (let u = 0; u < w.usersPerOrg[o]!; u++) ids.push((await seedUser(db, { orgId: org.id })).id);
          userIds.push(ids);
        }
        const facts = new Map<
          string,
          MeetingFacts & { state: string; startAt: Date; completedAt: Date | null }
        >();
        for (const m of w.meetings) {
          const orgUsers = userIds[m.org]!;
          const hostId = orgUsers[m.host % orgUsers.length]!;
          const attendeeIds = [...new Set(m.attendees.map((a) => orgUsers[a % orgUsers.length]!))].filter(
            (id) => id !== hostId,
          );
          const completedAt = m.state === 'completed' ? slot(m.completedSlot) : null;
          const startAt = slot(m.startSlot);
          const id = await seedMeeting(db, {
            orgId: orgIds[m.org]!,
            hostId,
            isPrivate: m.isPrivate,
            state: m.state,
            startAt,
            createdAt: slot(m.createdSlot),
            completedAt,
            attendees: [
              ...attendeeIds.map((userId) => ({ email: `${userId}@example.test`, name: 'A', userId })),
              ...Array.from({ length: m.outsiders }, (_, i) => ({
                email: `outsider${i}@elsewhere.test`,
                name: 'O',
                userId: null,
              })),
            ],
          });
          facts.set(id, {
            orgId: orgIds[m.org]!,
            hostId,
            isPrivate: m.isPrivate,
            attendeeUserIds: attendeeIds,
            state: m.state,
            startAt,
            completedAt,
          });
        }

        const pOrg = w.principal.org;
        const pUser = userIds[pOrg]![w.principal.user % userIds[pOrg]!.length]!;
        const isUserScope = w.principal.scope === 'user_limited' || w.principal.scope === 'user_full';
        const principal: Principal =
          w.principal.kind === 'session'
            ? { kind: 'session', orgId: orgIds[pOrg]!, userId: pUser }
            : {
                kind: 'key',
                orgId: orgIds[pOrg]!,
                scope: w.principal.scope,
                issuedToUserId: isUserScope ? pUser : null,
              };
        const access = meetingAccessFor(principal, settings[pOrg]!);

        const from = w.window ? slot(w.window[0]) : undefined;
        const to = w.window ? slot(w.window[0] + w.window[1]) : undefined;
        const expected = [...facts.entries()]
          .filter(([, f]) => canPrincipalRead(principal, settings[pOrg]!, f))
          .filter(([, f]) => (w.state ? f.state === w.state : true))
          .filter(([, f]) => (w.orderBy === 'completedAt' ? f.completedAt !== null : true))
          .filter(([, f]) => (from ? f.startAt >= from : true) && (to ? f.startAt < to : true))
          .map(([id]) => id)
          .sort();

        // Page through the real list query with small pages.
        const seen: { id: string; at: Date }[] = [];
        let after: { at: Date; id: string } | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const page = await visibleMeetingIds(db, access, {
            orderBy: w.orderBy,
            direction: w.direction,
            limit: w.pageSize,
            state: w.state,
            from,
            to,
            after,
          });
          seen.push(...page);
          if (page.length < w.pageSize) break;
          const last = page.at(-1)!;
          after = { at: last.at, id: last.id };
        }
        const seenIds = seen.map((r) => r.id);
        expect(new Set(seenIds).size).toBe(seenIds.length); // nothing repeated
        expect([...seenIds].sort()).toEqual(expected); // nothing missing, nothing extra
        // Keyset order: (at, id) strictly monotone in the asked direction.
        for (let i = 1; i < seen.length; i++) {
          const a = seen[i - 1]!;
          const b = seen[i]!;
          const c = a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
          expect(w.direction === 'asc' ? c < 0 : c > 0).toBe(true);
        }

        // Single reads (get, transcript) go through meetingVisibleCondition.
        for (const [id, f] of facts) {
          const rows = await db
            .select({ id: meetings.id })
            .from(meetings)
            .where(and(eq(meetings.id, id), meetingVisibleCondition(access)));
          expect(rows.length === 1).toBe(canPrincipalRead(principal, settings[pOrg]!, f));
          checkedMeetings++;
        }
        // An id that does not exist is never visible.
        const ghost = await db
          .select({ id: meetings.id })
          .from(meetings)
          .where(and(eq(meetings.id, randomUUID()), meetingVisibleCondition(access)));
        expect(ghost).toEqual([]);
      }),
      { numRuns: 220 },
    );
    expect(checkedMeetings).toBeGreaterThan(500);
  }, 240_000);
});
