import { randomUUID } from 'node:crypto';
import type { KeyholeDatabase } from '../../db';
import {
  type BulkAttendeeColumns,
  type BulkMeetingColumns,
  dropSecondaryIndexes,
  insertBulkAttendees,
  insertBulkMeetings,
  insertBulkOrg,
  insertBulkUsers,
  rebuildSecondaryIndexes,
} from '../../db/seed/bulk-rows';
import { hashPassword } from '../../lib/password';

/**
 * Bulk data for benchmarks: `keyhole seed --orgs N --users N --meetings N` (totals).
 *
 * Shape (documented in docs/PERFORMANCE.md):
 * - users and meetings are spread evenly over the orgs; the first user of each org is an admin;
 * - hosts follow a skewed (roughly Zipf-like) draw, so a few people host many meetings;
 * - each meeting lists 0–5 org users as attendees (never the host) and 0–2 outsiders;
 * - 10 % of meetings are private; meetings start over the past two years and the next 30 days;
 *   past ones are mostly completed, future ones scheduled;
 * - the second user of each org is the "heavy user": an attendee of about 10 % of the org's meetings.
 *
 * Rows go in as batches of `insert … select from json_to_recordset($1)` (db/seed/bulk-rows.ts): one
 * statement and one parameter per batch, the same on PostgreSQL and PGlite.
 */
export interface BulkSeedOptions {
  orgs: number;
  users: number;
  meetings: number;
  /** Deterministic data for a given seed. */
  seed?: number;
  batchSize?: number;
  /** From this many meetings on (PostgreSQL), secondary indexes are dropped for the load and rebuilt. */
  rebuildIndexesFrom?: number;
  onProgress?(done: number, total: number): void;
}

export interface BulkSeedResult {
  orgIds: string[];
  /** Per org: the admin, the heavy user, all user ids. */
  orgUsers: { orgId: string; adminId: string; heavyUserId: string | null; userIds: string[] }[];
  meetings: number;
  attendees: number;
  password: string;
}

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BULK_PASSWORD = 'bulk-seed-password-123';
const STATES_PAST = ['completed', 'completed', 'completed', 'completed', 'cancelled'] as const;

export async function bulkSeed(database: KeyholeDatabase, opts: BulkSeedOptions): Promise<BulkSeedResult> {
  const batch = opts.batchSize ?? 5000;
  const now = Date.now();
  const passwordHash = await hashPassword(BULK_PASSWORD, 10);
  const usersPerOrg = Math.max(1, Math.floor(opts.users / opts.orgs));
  const runTag = randomUUID().slice(0, 8);

  const orgUsers: BulkSeedResult['orgUsers'] = [];
  for (let o = 0; o < opts.orgs; o++) {
    const orgId = randomUUID();
    await insertBulkOrg(database, orgId, `Bulk Org ${o + 1} (${runTag})`);
    const userIds: string[] = [];
    const ids: string[] = [];
    const emails: string[] = [];
    const names: string[] = [];
    const roles: string[] = [];
    for (let u = 0; u < usersPerOrg; u++) {
      const id = randomUUID();
      userIds.push(id);
      ids.push(id);
      emails.push(`user${u + 1}.org${o + 1}.${runTag}@bulk.test`);
      names.push(`User ${u + 1} of Org ${o + 1}`);
      roles.push(u === 0 ? 'admin' : 'member');
      if (ids.length >= batch || u === usersPerOrg - 1) {
        await insertBulkUsers(
          database,
          orgId,
          passwordHash,
          ids.map((id, i) => ({ id, email: emails[i]!, name: names[i]!, role: roles[i]! })),
        );
        ids.length = emails.length = names.length = roles.length = 0;
      }
    }
    orgUsers.push({ orgId, adminId: userIds[0]!, heavyUserId: userIds[1] ?? null, userIds });
  }

  const meetingsPerOrg = Math.floor(opts.meetings / opts.orgs);
  const total = meetingsPerOrg * opts.orgs;
  let done = 0;
  let attendeeCount = 0;
  const twoYears = 730 * 86_400_000;
  const seedOrgMeetings = async (org: BulkSeedResult['orgUsers'][number], orgIndex: number) => {
    // One generator per org keeps the data the same for a seed whatever order the workers run in.
    const rand = mulberry32((opts.seed ?? 42) * 1000 + orgIndex + 1);
    const n = org.userIds.length;
    for (let start = 0; start < meetingsPerOrg; start += batch) {
      const size = Math.min(batch, meetingsPerOrg - start);
      const m: BulkMeetingColumns = {
        id: [] as string[],
        host: [] as string[],
        subject: [] as string[],
        startAt: [] as string[],
        endAt: [] as string[],
        state: [] as string[],
        isPrivate: [] as boolean[],
        createdAt: [] as string[],
        completedAt: [] as (string | null)[],
      };
      const a: BulkAttendeeColumns = {
        meetingId: [] as string[],
        position: [] as number[],
        email: [] as string[],
        name: [] as string[],
        userId: [] as (string | null)[],
        isPrivate: [] as boolean[],
        startAt: [] as string[],
        createdAt: [] as string[],
        completedAt: [] as (string | null)[],
      };
      for (let i = 0; i < size; i++) {
        const id = randomUUID();
        // Skewed host choice: squaring a uniform draw favours low indexes.
        const hostIdx = Math.floor(rand() ** 2 * n);
        const host = org.userIds[hostIdx]!;
        const startMs = now - twoYears + Math.floor(rand() * (twoYears + 30 * 86_400_000));
        const startAt = new Date(startMs);
        const endAt = new Date(startMs + (15 + Math.floor(rand() * 8) * 15) * 60_000);
        const createdAt = new Date(Math.min(now, startMs - Math.floor(rand() * 14 * 86_400_000)));
        const past = endAt.getTime() < now;
        const state = past ? STATES_PAST[Math.floor(rand() * STATES_PAST.length)]! : 'scheduled';
        const completedAt = state === 'completed' ? endAt.toISOString() : null;
        const isPrivate = rand() < 0.1;
        m.id.push(id);
        m.host.push(host);
        m.subject.push(`Meeting ${start + i + 1}`);
        m.startAt.push(startAt.toISOString());
        m.endAt.push(endAt.toISOString());
        m.state.push(state);
        m.isPrivate.push(isPrivate);
        m.createdAt.push(createdAt.toISOString());
        m.completedAt.push(completedAt);
        const attendees = new Set<number>();
        const k = Math.floor(rand() * 6);
        for (let j = 0; j < k && n > 1; j++) attendees.add(Math.floor(rand() * n));
        if (org.heavyUserId && rand() < 0.1) attendees.add(1);
        attendees.delete(hostIdx);
        let position = 0;
        const push = (email: string, name: string, userId: string | null) => {
          a.meetingId.push(id);
          a.position.push(position++);
          a.email.push(email);
          a.name.push(name);
          a.userId.push(userId);
          a.isPrivate.push(isPrivate);
          a.startAt.push(startAt.toISOString());
          a.createdAt.push(createdAt.toISOString());
          a.completedAt.push(completedAt);
        };
        for (const idx of attendees) push(`attendee${idx}@bulk.test`, `Attendee ${idx}`, org.userIds[idx]!);
        const outsiders = Math.floor(rand() * 3);
        for (let j = 0; j < outsiders; j++) push(`guest${j}@outside.test`, `Guest ${j}`, null);
      }
      await insertBulkMeetings(database, org.orgId, m);
      if (a.meetingId.length > 0) await insertBulkAttendees(database, a);
      attendeeCount += a.meetingId.length;
      done += size;
      opts.onProgress?.(done, total);
    }
  };

  // Large loads go faster into tables without their secondary indexes, built once at the end.
  const rebuild =
    total >= 100_000 && database.kind === 'postgres' ? await dropSecondaryIndexes(database) : [];
  try {
    // Two workers: one statement builds in Node while the other runs in PostgreSQL.
    let next = 0;
    const worker = async () => {
      while (next < orgUsers.length) {
        const i = next++;
        await seedOrgMeetings(orgUsers[i]!, i);
      }
    };
    await Promise.all([worker(), worker()]);
  } finally {
    await rebuildSecondaryIndexes(database, rebuild);
  }
  return {
    orgIds: orgUsers.map((o) => o.orgId),
    orgUsers,
    meetings: total,
    attendees: attendeeCount,
    password: BULK_PASSWORD,
  };
}
