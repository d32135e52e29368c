import type { MeetingAccess, MeetingOrderBy, MeetingState, SortDirection } from '@keyhole/core';
import { selectMeetingPage } from '../../db/meetings/page-statement';
import type { AppDeps } from '../../deps';
import { keysetPage } from '../../lib/keyset-page';
import { type CursorScope, decodeCursor, encodeCursor } from './cursor';
import { type MeetingPageView, toMeetingView } from './views';

/** One page request, its defaults already applied by the router's schema. */
export interface ListMeetingsInput {
  limit: number;
  cursor?: string;
  from?: Date;
  to?: Date;
  state?: MeetingState;
  orderBy: MeetingOrderBy;
  direction: SortDirection;
}

/** Who reads: the access rule as data, and an identity the cursors are bound to. */
export interface MeetingReader {
  access: MeetingAccess;
  /** e.g. `org:<id>:key:<id>` or `org:<id>:user:<id>`; the same for every request of one principal. */
  owner: string;
}

/**
 * One page of the meetings the reader may see, in keyset order. The sort keys (startAt, createdAt,
 * completedAt once set) never change, so resuming strictly after the last row shown neither skips nor
 * repeats a meeting, however many are added meanwhile.
 */
export async function listMeetings(
  deps: AppDeps,
  reader: MeetingReader,
  input: ListMeetingsInput,
): Promise<MeetingPageView> {
  const scope: CursorScope = {
    orderBy: input.orderBy,
    direction: input.direction,
    from: input.from,
    to: input.to,
    state: input.state,
    owner: reader.owner,
  };
  const after = input.cursor ? decodeCursor(deps.keyring.cursorHmac, scope, input.cursor) : undefined;
  // One row more than the page shows tells whether a next page exists without a count.
  const rows = await selectMeetingPage(deps.database, reader.access, {
    orderBy: input.orderBy,
    direction: input.direction,
    limit: input.limit + 1,
    from: input.from,
    to: input.to,
    state: input.state,
    after,
  });
  const { page, nextCursor } = keysetPage(rows, input.limit, (last) =>
    encodeCursor(deps.keyring.cursorHmac, scope, { at: last.at, id: last.meeting.id }),
  );
  return { items: page.map(toMeetingView), nextCursor };
}
