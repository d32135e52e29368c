import { describe, expect, it } from 'vitest';
import { createKeyholeClient, type RateLimit, readRateLimit } from '../src/index';
import { KEY, recordingFetch } from './recording-fetch';

const HEADERS = { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '298', 'x-ratelimit-reset': '41' };

describe('onRateLimit', () => {
  it('reports the key’s budget from a successful answer, once per request', async () => {
    const { fetch } = recordingFetch(
      () => [{ result: { data: { items: [], nextCursor: null } } }, { result: { data: { ok: true } } }],
      200,
      HEADERS,
    );
    const seen: RateLimit[] = [];
    const client = createKeyholeClient({
      url: 'http://keyhole.test',
      apiKey: KEY,
      fetch,
      onRateLimit: (r) => seen.push(r),
    });
    await Promise.all([client.meetings.list.query(), client.health.query()]);
    expect(seen).toEqual([{ limit: 300, remaining: 298, resetSeconds: 41 }]);
  });

  it('reports it from a refused call too, before the call rejects', async () => {
    const { fetch } = recordingFetch(
      () => [
        {
          error: { message: 'slow down', code: -32029, data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } },
        },
      ],
      429,
      { ...HEADERS, 'x-ratelimit-remaining': '0', 'retry-after': '41' },
    );
    const seen: RateLimit[] = [];
    const client = createKeyholeClient({
      url: 'http://keyhole.test',
      apiKey: KEY,
      fetch,
      onRateLimit: (r) => seen.push(r),
    });
    const err = await client.whoami.query().catch((e: unknown) => ({ seenAtRejection: [...seen], e }));
    expect(err).toMatchObject({ seenAtRejection: [{ limit: 300, remaining: 0, resetSeconds: 41 }] });
  });

  it('stays silent for answers without the headers', async () => {
    const { fetch } = recordingFetch(() => [{ result: { data: { ok: true } } }]);
    const seen: RateLimit[] = [];
    const client = createKeyholeClient({
      url: 'http://keyhole.test',
      apiKey: KEY,
      fetch,
      onRateLimit: (r) => seen.push(r),
    });
    await client.health.query();
    expect(seen).toEqual([]);
  });
});

describe('readRateLimit', () => {
  it('needs all three headers as numbers', () => {
    expect(readRateLimit(new Headers(HEADERS))).toEqual({ limit: 300, remaining: 298, resetSeconds: 41 });
    expect(readRateLimit(new Headers({ ...HEADERS, 'x-ratelimit-reset': 'later' }))).toBeUndefined();
    const { 'x-ratelimit-limit': _limit, ...partial } = HEADERS;
    expect(readRateLimit(new Headers(partial))).toBeUndefined();
  });
});
