import type { ZObject } from 'zapier-platform-core';
import type { MeetingListInput, MeetingPage, WhoAmI } from './keyhole-types.js';

/** tRPC answers `{ result: { data } }`; errors were already thrown by the afterResponse middleware. */
function resultData<T>(body: unknown, procedure: string): T {
  const data = (body as { result?: { data?: T } } | undefined)?.result?.data;
  if (data === undefined) throw new Error(`Keyhole's ${procedure} answered without a result.`);
  return data;
}

/** Queries are GET with the input as URL-encoded JSON (docs/API.md, Wire format). One request each. */
async function query<T>(z: ZObject, procedure: string, input?: unknown): Promise<T> {
  const response = await z.request({
    url: `/trpc/${procedure}`,
    method: 'GET',
    ...(input === undefined ? {} : { params: { input: JSON.stringify(input) } }),
  });
  return resultData<T>(response.data, procedure);
}

export const whoami = (z: ZObject) => query<WhoAmI>(z, 'whoami');

export const listMeetings = (z: ZObject, input: MeetingListInput) =>
  query<MeetingPage>(z, 'meetings.list', input);
