import type { MeetingAccess } from '@keyhole/core';
import type { Database, KeyholeDatabase } from '../../db';
import type { MeetingPageQuery } from '../../db/meetings/access-sql';
import { type MeetingWithPeople, selectMeetingPage } from '../../db/meetings/page-statement';
import { selectVisibleMeeting } from '../../db/meetings/visible-meeting';
import { type MeetingView, toMeetingView } from './views';

const toView = (r: MeetingWithPeople): MeetingView => toMeetingView(r.meeting, r.host, r.attendees);

/** One page, complete, in keyset order (see db/meetings/page-statement.ts), as views with their sort keys. */
export async function loadMeetingPage(
  database: KeyholeDatabase,
  access: MeetingAccess,
  q: MeetingPageQuery,
): Promise<{ view: MeetingView; at: Date }[]> {
  const rows = await selectMeetingPage(database, access, q);
  return rows.map((r) => ({ view: toView(r), at: r.at }));
}

/** One meeting if the access reaches it, else null (the caller answers NOT_FOUND either way). */
export async function loadVisibleMeetingView(
  db: Database,
  access: MeetingAccess,
  id: string,
): Promise<MeetingView | null> {
  const row = await selectVisibleMeeting(db, access, id);
  return row ? toView(row) : null;
}
