import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../src/errors';
import {
  createKeyholeClient,
  errorReason,
  isKeyholeClientError,
  KeyholeError,
  keyholeErrorLink,
  NotAnApiAnswerError,
  type PublicRouter,
  TRPCClientError,
} from '../src/index';
import { KEY, recordingFetch } from './recording-fetch';

const apiError = (code: string, httpStatus: number, reason?: string) => ({
  error: {
    message: `${code} message`,
    code: -32000,
    data: { code, httpStatus, path: 'meetings.list', ...(reason ? { reason } : {}) },
  },
});

describe('KeyholeError', () => {
  it('exposes code, reason, httpStatus and retryAfterSeconds of a 429', async () => {
    const { fetch } = recordingFetch(() => [apiError('TOO_MANY_REQUESTS', 429, 'rate_limited')], 429, {
      'retry-after': '17',
    });
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const err = await client.meetings.list.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyholeError);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect(err).toMatchObject({
      name: 'KeyholeError',
      message: 'TOO_MANY_REQUESTS message',
      code: 'TOO_MANY_REQUESTS',
      reason: 'rate_limited',
      httpStatus: 429,
      retryAfterSeconds: 17,
    });
    // What tRPC's own error offers stays there, and the older helpers still read it.
    expect(isKeyholeClientError(err) && err.data?.code).toBe('TOO_MANY_REQUESTS');
    expect(isKeyholeClientError(err) && err.shape?.message).toBe('TOO_MANY_REQUESTS message');
    expect(errorReason(err)).toBe('rate_limited');
  });

  it('has no reason or retryAfterSeconds when the API gives none', async () => {
    const { fetch } = recordingFetch(() => [apiError('NOT_FOUND', 404)], 404);
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const err = await client.meetings.get.query({ id: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyholeError);
    const { code, reason, httpStatus, retryAfterSeconds } = err as KeyholeError;
    expect({ code, reason, httpStatus, retryAfterSeconds }).toEqual({
      code: 'NOT_FOUND',
      reason: undefined,
      httpStatus: 404,
      retryAfterSeconds: undefined,
    });
  });

  it('gives each call of a batch its own code and reason', async () => {
    const { fetch } = recordingFetch(
      () => [apiError('NOT_FOUND', 404), apiError('BAD_REQUEST', 400, 'invalid_cursor')],
      207,
    );
    const client = createKeyholeClient({ url: 'http://keyhole.test', apiKey: KEY, fetch });
    const [a, b] = await Promise.allSettled([
      client.meetings.get.query({ id: 'x' }),
      client.meetings.list.query({ cursor: 'forged' }),
    ]);
    expect(a.status === 'rejected' && a.reason).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
    expect(b.status === 'rejected' && b.reason).toMatchObject({
      code: 'BAD_REQUEST',
      httpStatus: 400,
      reason: 'invalid_cursor',
    });
  });

  it('wraps a failure with no API answer: no code, the cause kept', async () => {
    const down = new TypeError('fetch failed');
    const client = createKeyholeClient({
      url: 'http://keyhole.test',
      apiKey: KEY,
      fetch: () => Promise.reject(down),
    });
    const err = await client.health.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyholeError);
    expect(err).toMatchObject({ code: undefined, reason: undefined, httpStatus: undefined, cause: down });
    expect(errorReason(err)).toBeUndefined();
  });

  it('takes the HTTP status from a response that is not the API’s (a proxy’s 503 page)', async () => {
    const client = createKeyholeClient({
      url: 'http://keyhole.test',
      apiKey: KEY,
      fetch: async () =>
        new Response('<html>Bad gateway</html>', {
          status: 503,
          headers: { 'content-type': 'text/html', 'retry-after': '5' },
        }),
    });
    const err = await client.health.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyholeError);
    expect(err).toMatchObject({ code: undefined, httpStatus: 503, retryAfterSeconds: 5 });
    expect((err as KeyholeError).message).toMatch(/HTTP 503/);
    expect((err as KeyholeError).cause).toBeInstanceOf(NotAnApiAnswerError);
  });
});

describe('keyholeErrorLink', () => {
  it('gives a client assembled from tRPC parts the same errors', async () => {
    const { fetch } = recordingFetch(() => [apiError('FORBIDDEN', 403)], 403);
    const client = createTRPCClient<PublicRouter>({
      links: [keyholeErrorLink, httpBatchLink({ url: 'http://keyhole.test/trpc', fetch })],
    });
    const err = await client.whoami.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyholeError);
    expect(err).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:42 GMT', now)).toBe(42);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
