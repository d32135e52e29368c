import type { MeetingAccess } from '@keyhole/core';
import { type AnyColumn, and, asc, desc, eq, gte, isNotNull, lt, not, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../create-database';
import { meetingAttendees, meetings } from '../schema';

/**
 * The SQL side of SPEC §2. Every meeting list and read goes through `visibleMeetingIds` or
 * `meetingVisibleCondition`; the equivalence test proves both accept exactly what core's pure rule accepts.
 */

export type MeetingOrder = 'startAt' | 'createdAt' | 'completedAt';
export type Direction = 'asc' | 'desc';

export interface MeetingPageQuery {
  orderBy: MeetingOrder;
  direction: Direction;
  /** Rows to return; the caller asks for one more than it shows to learn whether a next page exists. */
  limit: number;
  from?: Date;
  to?: Date;
  state?: 'scheduled' | 'in_progress' | 'completed' | 'cancelled';
  /** Keyset position: the sort value and id of the last row of the previous page. */
  after?: { at: Date; id: string };
}

export interface MeetingPageRow {
  id: string;
  at: Date;
}

const meetingSortColumn = {
  startAt: meetings.startAt,
  createdAt: meetings.createdAt,
  completedAt: meetings.completedAt,
} as const;

const attendeeSortColumn = {
  startAt: meetingAttendees.meetingStartAt,
  createdAt: meetingAttendees.meetingCreatedAt,
  completedAt: meetingAttendees.meetingCompletedAt,
} as const;

// Timestamps travel as ISO text: the drivers' timestamp serializers are set up for text by drizzle.
// A statement template (see page-statement.ts) passes a placeholder instead, filled in later.
const isoOrPlaceholder = (v: Date) => (v instanceof Date ? v.toISOString() : v);

/** A single meeting's visibility as a WHERE condition on `meetings` (for get and transcript). */
export function meetingVisibleCondition(access: MeetingAccess): SQL {
  if (access.kind === 'org') {
    return access.includePrivate
      ? eq(meetings.orgId, access.orgId)
      : and(eq(meetings.orgId, access.orgId), not(meetings.isPrivate))!;
  }
  const attends = sql`exists (select 1 from ${meetingAttendees} where ${meetingAttendees.meetingId} = ${meetings.id} and ${meetingAttendees.userId} = ${access.userId})`;
  const hosts = access.includeOwnPrivate
    ? eq(meetings.hostId, access.userId)
    : and(eq(meetings.hostId, access.userId), not(meetings.isPrivate));
  return and(eq(meetings.orgId, access.orgId), or(hosts, and(not(meetings.isPrivate), attends)))!;
}

/**
 * One page of visible meeting ids in keyset order. For user principals it is the union of two index
 * range scans (meetings hosted, meetings attended) so its cost follows the user's meetings, not the org's.
 */
export async function visibleMeetingIds(
  db: Database,
  access: MeetingAccess,
  q: MeetingPageQuery,
): Promise<MeetingPageRow[]> {
  const rows = (await visibleMeetingIdsQuery(db, access, q)) as { id: string; at: Date | string }[];
  // A host is never listed as an attendee of their own meeting, but a duplicate must not reach a page.
  const seen = new Set<string>();
  return rows
    .filter((r) => !seen.has(r.id) && seen.add(r.id))
    .map((r) => ({ id: r.id, at: r.at instanceof Date ? r.at : new Date(r.at) }));
}

/** The page query itself, unexecuted: `visibleMeetingIds` runs it; benchmarks EXPLAIN it (`.toSQL()`). */
export function visibleMeetingIdsQuery(db: Database, access: MeetingAccess, q: MeetingPageQuery) {
  const dir = q.direction === 'asc' ? asc : desc;
  const cmp = (col: AnyColumn, idCol: AnyColumn) =>
    q.after
      ? q.direction === 'asc'
        ? sql`(${col}, ${idCol}) > (${isoOrPlaceholder(q.after.at)}::timestamptz, ${q.after.id}::uuid)`
        : sql`(${col}, ${idCol}) < (${isoOrPlaceholder(q.after.at)}::timestamptz, ${q.after.id}::uuid)`
      : undefined;

  const mCol = meetingSortColumn[q.orderBy];
  const meetingFilters = (extra: (SQL | undefined)[]) =>
    and(
      ...extra,
      q.from ? gte(meetings.startAt, q.from) : undefined,
      q.to ? lt(meetings.startAt, q.to) : undefined,
      q.state ? eq(meetings.state, q.state) : undefined,
      q.orderBy === 'completedAt' ? isNotNull(meetings.completedAt) : undefined,
      cmp(mCol, meetings.id),
    );

  if (access.kind === 'org') {
    return db
      .select({ id: meetings.id, at: mCol })
      .from(meetings)
      .where(
        meetingFilters([
          eq(meetings.orgId, access.orgId),
          access.includePrivate ? undefined : not(meetings.isPrivate),
        ]),
      )
      .orderBy(dir(mCol), dir(meetings.id))
      .limit(q.limit);
  }

  const hosted = db
    .select({ id: meetings.id, at: sql<Date>`${mCol}`.as('at') })
    .from(meetings)
    .where(
      meetingFilters([
        eq(meetings.hostId, access.userId),
        eq(meetings.orgId, access.orgId),
        access.includeOwnPrivate ? undefined : not(meetings.isPrivate),
      ]),
    )
    .orderBy(dir(mCol), dir(meetings.id))
    .limit(q.limit);

  const aCol = attendeeSortColumn[q.orderBy];
  const attended = db
    .select({ id: meetingAttendees.meetingId, at: sql<Date>`${aCol}`.as('at') })
    .from(meetingAttendees)
    .innerJoin(meetings, eq(meetings.id, meetingAttendees.meetingId))
    .where(
      and(
        eq(meetingAttendees.userId, access.userId),
        not(meetingAttendees.meetingIsPrivate),
        eq(meetings.orgId, access.orgId),
        q.from ? gte(meetingAttendees.meetingStartAt, q.from) : undefined,
        q.to ? lt(meetingAttendees.meetingStartAt, q.to) : undefined,
        q.state ? eq(meetings.state, q.state) : undefined,
        q.orderBy === 'completedAt' ? isNotNull(meetingAttendees.meetingCompletedAt) : undefined,
        cmp(aCol, meetingAttendees.meetingId),
      ),
    )
    .orderBy(dir(aCol), dir(meetingAttendees.meetingId))
    .limit(q.limit);

  const merged = hosted.unionAll(attended).as('visible');
  return db
    .select({ id: merged.id, at: merged.at })
    .from(merged)
    .orderBy(dir(merged.at), dir(merged.id))
    .limit(q.limit);
}
