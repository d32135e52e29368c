import { describe, expect, it } from 'vitest';
import { createKeyholeClient, listAllMeetings, type Meeting, meetingPages } from '../src/index';
import { batchInputs, KEY, recordingFetch } from './recording-fetch';

const meeting = (id: string) => ({ id, subject: `Meeting ${id}` }) as Meeting;

/** A server with three pages: a, b | c, d | e. */
function threePages() {
  const pages: Record<string, { items: Meeting[]; nextCursor: string | null }> = {
    first: { items: [meeting('a'), meeting('b')], nextCursor: 'c1' },
    c1: { items: [meeting('c'), meeting('d')], nextCursor: 'c2' },
    c2: { items: [meeting('e')], nextCursor: null },
  };
  return recordingFetch((url) =>
    batchInputs(url).map((input) => {
      const cursor = (input as { cursor?: string } | undefined)?.cursor;
      return { result: { data: pages[cursor ?? 'first'] } };
    }),
  );
}

describe('listAllMeetings', () => {
  it('follows nextCursor to the last page, keeping the input on every request', async () => {
    const { fetch, requests } = threePages();
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const ids: string[] = [];
    for await (const m of listAllMeetings(client, { orderBy: 'completedAt', limit: 2 })) ids.push(m.id);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(requests.map((r) => batchInputs(r.url)[0])).toEqual([
      { orderBy: 'completedAt', limit: 2 },
      { orderBy: 'completedAt', limit: 2, cursor: 'c1' },
      { orderBy: 'completedAt', limit: 2, cursor: 'c2' },
    ]);
  });

  it('asks for a page only when the loop needs it', async () => {
    const { fetch, requests } = threePages();
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    for await (const m of listAllMeetings(client)) if (m.id === 'b') break;
    expect(requests).toHaveLength(1);
  });

  it('resumes from a saved cursor', async () => {
    const { fetch } = threePages();
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const ids: string[] = [];
    for await (const m of listAllMeetings(client, { cursor: 'c2' })) ids.push(m.id);
    expect(ids).toEqual(['e']);
  });

  it('stops with an error when the server repeats the cursor it was given', async () => {
    const { fetch } = recordingFetch(() => [
      { result: { data: { items: [meeting('x')], nextCursor: 'same' } } },
    ]);
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const ids: string[] = [];
    const err = await (async () => {
      for await (const m of listAllMeetings(client)) ids.push(m.id);
    })().catch((e: unknown) => e);
    expect(String(err)).toMatch(/same cursor/);
    expect(ids).toEqual(['x', 'x']);
  });

  it('stops when its signal is aborted', async () => {
    const { fetch, requests } = threePages();
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const stop = new AbortController();
    const err = await (async () => {
      for await (const _ of listAllMeetings(client, {}, { signal: stop.signal })) stop.abort();
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AbortError' });
    expect(requests).toHaveLength(1);
  });
});

describe('meetingPages', () => {
  it('yields whole pages, each with the cursor of the next', async () => {
    const { fetch } = threePages();
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const cursors: (string | null)[] = [];
    for await (const page of meetingPages(client)) cursors.push(page.nextCursor);
    expect(cursors).toEqual(['c1', 'c2', null]);
  });
});
