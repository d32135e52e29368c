import { describe, expect, it } from 'vitest';
import {
  createKeyholeClient,
  errorReason,
  isKeyholeClientError,
  MAX_BATCH,
  trpcEndpoint,
} from '../src/index';
import { KEY, recordingFetch } from './recording-fetch';

describe('trpcEndpoint', () => {
  it('appends /trpc to a base URL once, whatever the trailing slashes', () => {
    expect(trpcEndpoint('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000/trpc');
    expect(trpcEndpoint('http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000/trpc');
    expect(trpcEndpoint('https://api.example.com/keyhole/')).toBe('https://api.example.com/keyhole/trpc');
    expect(trpcEndpoint('https://api.example.com/trpc')).toBe('https://api.example.com/trpc');
    expect(trpcEndpoint('https://api.example.com/trpc//')).toBe('https://api.example.com/trpc');
  });

  it('refuses URLs that are not URLs or carry a query string', () => {
    expect(() => trpcEndpoint('not a url')).toThrow(/not a URL/);
    expect(() => trpcEndpoint('localhost:3000')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => trpcEndpoint('https://api.example.com/?api_key=x')).toThrow(/query string/);
  });
});

describe('createKeyholeClient', () => {
  it('sends the key as a Bearer header, never in the URL', async () => {
    const { fetch, requests } = recordingFetch(() => [{ result: { data: { ok: true } } }]);
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: ` ${KEY} `, fetch });
    await client.health.query();
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req!.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(req!.url.pathname).toBe('/trpc/health');
    expect(req!.url.href).not.toContain('khs_');
  });

  it('batches calls made together into one request', async () => {
    const { fetch, requests } = recordingFetch(() => [
      { result: { data: { items: [], nextCursor: null } } },
      { result: { data: { meetingId: 'm', segments: [] } } },
    ]);
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const [list, transcript] = await Promise.all([
      client.meetings.list.query({ limit: 5 }),
      client.meetings.transcript.query({ id: '00000000-0000-4000-8000-000000000000' }),
    ]);
    expect(list.nextCursor).toBeNull();
    expect(transcript.segments).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url.pathname).toBe('/trpc/meetings.list,meetings.transcript');
    expect(requests[0]!.url.searchParams.get('batch')).toBe('1');
  });

  it('surfaces the API error with code, status and reason', async () => {
    const { fetch } = recordingFetch(
      () => [
        {
          error: {
            message: 'Invalid API key.',
            code: -32001,
            data: { code: 'UNAUTHORIZED', httpStatus: 401, reason: 'invalid_key' },
          },
        },
      ],
      401,
    );
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const err = await client.whoami.query().catch((e: unknown) => e);
    expect(isKeyholeClientError(err)).toBe(true);
    expect(errorReason(err)).toBe('invalid_key');
    expect(isKeyholeClientError(err) && err.data?.code).toBe('UNAUTHORIZED');
    expect(errorReason(new Error('x'))).toBeUndefined();
  });

  it('splits calls made together into batches of at most maxBatch calls', async () => {
    const { fetch, requests } = recordingFetch((url) =>
      url.pathname.split(',').map(() => ({ result: { data: { ok: true } } })),
    );
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    await Promise.all(Array.from({ length: MAX_BATCH + 5 }, () => client.health.query()));
    expect(requests.map((r) => r.url.pathname.split(',').length)).toEqual([MAX_BATCH, 5]);
    const small = recordingFetch((url) => url.pathname.split(',').map(() => ({ result: { data: {} } })));
    const capped = createKeyholeClient({
      url: 'http://keyhole.test',
      apiKey: KEY,
      fetch: small.fetch,
      maxBatch: 2,
    });
    await Promise.all(Array.from({ length: 5 }, () => capped.health.query()));
    expect(small.requests.map((r) => r.url.pathname.split(',').length)).toEqual([2, 2, 1]);
  });

  it('refuses an empty key up front', () => {
    expect(() => createKeyholeClient({ url: 'http://keyhole.test', apiKey: '  ' })).toThrow(/apiKey/);
  });
});
