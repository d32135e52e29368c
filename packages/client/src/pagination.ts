import type { ListMeetingsInput, Meeting, MeetingPage } from './public-router';

/** What paging needs of a client: any `createKeyholeClient` (or `createTRPCClient<PublicRouter>`) has it. */
export interface MeetingLister {
  meetings: {
    list: {
      query(input?: ListMeetingsInput, opts?: { signal?: AbortSignal }): Promise<MeetingPage>;
    };
  };
}

export interface PagingOptions {
  /** Stops the iteration: the page in flight is aborted and the loop throws. */
  signal?: AbortSignal;
}

/**
 * Every page of `meetings.list` for `input`, following `nextCursor` until it is null. One request per
 * page, made only when the loop asks for it; `input.cursor` resumes from a page saved earlier.
 */
export async function* meetingPages(
  client: MeetingLister,
  input: ListMeetingsInput = {},
  opts: PagingOptions = {},
): AsyncGenerator<MeetingPage, void, undefined> {
  let cursor = input.cursor;
  for (;;) {
    opts.signal?.throwIfAborted();
    const page = await client.meetings.list.query(
      { ...input, cursor },
      opts.signal ? { signal: opts.signal } : undefined,
    );
    yield page;
    if (page.nextCursor === null) return;
    // A server that hands back the cursor it was given would otherwise loop this forever.
    if (page.nextCursor === cursor) throw new Error('meetings.list returned the same cursor again');
    cursor = page.nextCursor;
  }
}

/** Every meeting `meetings.list` returns for `input`, across all pages, in the server's order. */
export async function* listAllMeetings(
  client: MeetingLister,
  input: ListMeetingsInput = {},
  opts: PagingOptions = {},
): AsyncGenerator<Meeting, void, undefined> {
  for await (const page of meetingPages(client, input, opts)) yield* page.items;
}
