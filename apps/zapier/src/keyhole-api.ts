import type { HttpResponse, ZObject } from 'zapier-platform-core';
import { apiError, UNREADABLE_ANSWER } from './api-errors.js';
import { TRANSCRIPT_BATCH_LIMIT } from './constants.js';
import type {
  Meeting,
  MeetingListInput,
  MeetingPage,
  Transcript,
  TrpcError,
  WebhookEvent,
  WebhookSubscribed,
  WhoAmI,
} from './keyhole-types.js';

/** tRPC answers `{ result: { data } }`; errors were already thrown by the afterResponse middleware. */
function resultData<T>(z: ZObject, body: unknown): T {
  const data = (body as { result?: { data?: T } } | undefined)?.result?.data;
  if (data === undefined) throw new z.errors.Error(UNREADABLE_ANSWER, 'unreadable_answer', 200);
  return data;
}

/** Zapier's own errors (thrown by the middleware) pass; a failed connection gets words a user can read. */
async function send(
  z: ZObject,
  request: {
    url: string;
    method: 'GET' | 'POST';
    params?: Record<string, string>;
    body?: Record<string, unknown>;
    skipThrowForStatus?: boolean;
  },
): Promise<HttpResponse> {
  try {
    return await z.request(request);
  } catch (err) {
    if (err instanceof Error && err.name === 'FetchError') {
      throw new z.errors.Error(
        'Zapier could not reach your Keyhole server. Try again in a few minutes; if it keeps happening, ' +
          'ask your Keyhole admin whether the server is up.',
        'keyhole_unreachable',
        0,
      );
    }
    throw err;
  }
}

/** Queries are GET with the input as URL-encoded JSON (docs/API.md, Wire format). One request each. */
async function query<T>(z: ZObject, procedure: string, input?: unknown): Promise<T> {
  const response = await send(z, {
    url: `/trpc/${procedure}`,
    method: 'GET',
    ...(input === undefined ? {} : { params: { input: JSON.stringify(input) } }),
  });
  return resultData<T>(z, response.data);
}

/** Mutations are POST with the input as the JSON body (docs/API.md, Wire format). One request each. */
async function mutation<T>(z: ZObject, procedure: string, input: Record<string, unknown>): Promise<T> {
  const response = await send(z, {
    url: `/trpc/${procedure}`,
    method: 'POST',
    body: input,
  });
  return resultData<T>(z, response.data);
}

export const whoami = (z: ZObject) => query<WhoAmI>(z, 'whoami');

export const listMeetings = (z: ZObject, input: MeetingListInput) =>
  query<MeetingPage>(z, 'meetings.list', input);

export const getMeeting = (z: ZObject, id: string) => query<Meeting>(z, 'meetings.get', { id });

export const getTranscript = (z: ZObject, id: string) => query<Transcript>(z, 'meetings.transcript', { id });

export const subscribeWebhook = (z: ZObject, url: string, events: WebhookEvent[]) =>
  mutation<WebhookSubscribed>(z, 'webhooks.subscribe', { url, events });

export const unsubscribeWebhook = (z: ZObject, id: string) =>
  mutation<{ ok: true }>(z, 'webhooks.unsubscribe', { id });

type BatchEntry<T> = { result?: { data?: T }; error?: TrpcError };

/**
 * The transcripts of several meetings in ONE request: a tRPC batch of `meetings.transcript` calls
 * (`GET /trpc/meetings.transcript,meetings.transcript?batch=1&input={"0":{"id":…},"1":{…}}`). Each call
 * counts against the key's rate limit. A meeting the key can no longer read (made private, or deleted,
 * since the list was read) is left out of the map; any other failed call fails the whole poll the way a
 * single request would (a rate limit: Zapier retries after `Retry-After`).
 */
export async function getTranscripts(z: ZObject, ids: string[]): Promise<Map<string, Transcript>> {
  const transcripts = new Map<string, Transcript>();
  if (ids.length === 0) return transcripts;
  if (ids.length > TRANSCRIPT_BATCH_LIMIT) {
    throw new Error(`at most ${TRANSCRIPT_BATCH_LIMIT} transcripts per request, asked for ${ids.length}`);
  }
  const input = Object.fromEntries(ids.map((id, index) => [String(index), { id }]));
  const response = await send(z, {
    url: `/trpc/${ids.map(() => 'meetings.transcript').join(',')}`,
    method: 'GET',
    params: { batch: '1', input: JSON.stringify(input) },
    // Each call of the batch is judged below; a whole-batch 404 (none readable) is not a failure.
    skipThrowForStatus: true,
  });
  const entries = response.data as BatchEntry<Transcript>[] | undefined;
  if (!Array.isArray(entries) || entries.length !== ids.length) {
    // Not a batch answer at all (the middleware has already thrown for a Keyhole error body).
    throw new z.errors.Error(UNREADABLE_ANSWER, 'unreadable_answer', response.status);
  }
  entries.forEach((entry, index) => {
    if (entry.error) {
      if (entry.error.data?.code === 'NOT_FOUND') return;
      throw apiError(z, {
        status: entry.error.data?.httpStatus ?? response.status,
        error: entry.error,
        retryAfter: response.headers.get('retry-after'),
      });
    }
    const data = entry.result?.data;
    if (!data) throw new z.errors.Error(UNREADABLE_ANSWER, 'unreadable_answer', response.status);
    transcripts.set(ids[index]!, data);
  });
  return transcripts;
}
