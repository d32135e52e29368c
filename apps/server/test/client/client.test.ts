import type {
  MeetingPageView,
  MeetingView,
  TranscriptView,
} from '@keyhole/api/internal/services/meetings/views';
import { DEFAULT_MAX_BATCH } from '@keyhole/core';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
// By path, from source (no build needed); client-package.test.ts tests the packed tarball.
import {
  createKeyholeClient,
  errorReason,
  isKeyholeClientError,
  KeyholeError,
  MAX_BATCH,
  type Meeting,
  type MeetingPage,
  type Transcript,
} from '../../../../packages/client/src/index';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { isPostgres } from '../support/test-database';

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  app = await createTestApp();
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

// A well-formed key string this server never issued.
const UNKNOWN_KEY = `kh_${'a'.repeat(22)}:khs_${'b'.repeat(49)}`;

describe('@keyhole/client against a running server', () => {
  it('types its results from the API router: the wire shapes, dates as strings', () => {
    expectTypeOf<Meeting>().toEqualTypeOf<MeetingView>();
    expectTypeOf<MeetingPage>().toEqualTypeOf<MeetingPageView>();
    expectTypeOf<Transcript>().toEqualTypeOf<TranscriptView>();
    expectTypeOf<Meeting['startAt']>().toEqualTypeOf<string>();
  });

  it('never sends a batch larger than the server accepts: 60 concurrent calls go out as batches of 25', async () => {
    expect(MAX_BATCH).toBe(DEFAULT_MAX_BATCH);
    const sizes: number[] = [];
    const client = createKeyholeClient({
      url: server.url,
      apiKey: UNKNOWN_KEY,
      fetch: (input, init) => {
        const path = new URL(String(input)).pathname.replace('/trpc/', '');
        sizes.push(path.split(',').length);
        return fetch(input, init);
      },
    });
    const answers = await Promise.all(Array.from({ length: 60 }, () => client.health.query()));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(DEFAULT_MAX_BATCH);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('calls health (credentials ignored there)', async () => {
    const client = createKeyholeClient({ url: server.url, apiKey: UNKNOWN_KEY });
    const health = await client.health.query();
    expect(health).toEqual({
      ok: true,
      database: isPostgres() ? 'postgres' : 'pglite',
      version: expect.any(String),
    });
  });

  it('accepts the base URL with /trpc already on it', async () => {
    const client = createKeyholeClient({ url: `${server.url}/trpc/`, apiKey: UNKNOWN_KEY });
    expect((await client.health.query()).ok).toBe(true);
  });

  it('surfaces an unknown key as a TRPCClientError: UNAUTHORIZED 401, reason invalid_key', async () => {
    const client = createKeyholeClient({ url: server.url, apiKey: UNKNOWN_KEY });
    for (const call of [() => client.meetings.list.query(), () => client.whoami.query()]) {
      const err = await call().catch((e: unknown) => e);
      expect(isKeyholeClientError(err)).toBe(true);
      if (!isKeyholeClientError(err)) return;
      expect(err.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
      expect(errorReason(err)).toBe('invalid_key');
      expect(err).toBeInstanceOf(KeyholeError);
      expect(err).toMatchObject({ code: 'UNAUTHORIZED', reason: 'invalid_key', httpStatus: 401 });
      expect(err.message).not.toContain('khs_');
    }
  });

  it('surfaces a malformed key the same way, in a batch of calls', async () => {
    const client = createKeyholeClient({ url: server.url, apiKey: 'not-a-key' });
    const results = await Promise.allSettled([
      client.meetings.list.query({ limit: 1 }),
      client.meetings.get.query({ id: '00000000-0000-4000-8000-000000000000' }),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect(errorReason(r.reason)).toBe('invalid_key');
    }
  });

  it('never writes the key it sent into the logs', async () => {
    const client = createKeyholeClient({ url: server.url, apiKey: UNKNOWN_KEY });
    await client.meetings.list.query().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(app.logs.text()).not.toContain('b'.repeat(49));
  });
});
