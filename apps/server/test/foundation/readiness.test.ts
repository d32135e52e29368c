import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READINESS_TIMEOUT_MS } from '../../src/http/http-server';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';

/**
 * SPEC §6: `/healthz` is liveness (200 `ok` whatever the database), `/readyz` readiness (200 `ready`,
 * or 503 `database_unavailable` while the database cannot be reached: closed, or not answering
 * within about a second).
 */

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let closed = false;

beforeAll(async () => {
  app = await createTestApp();
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  if (!closed) await app?.close();
});

async function get(path: string) {
  const started = performance.now();
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, text: await res.text(), res, ms: performance.now() - started };
}

describe('/readyz and /healthz', () => {
  it('are 200 ready and 200 ok while the database answers', async () => {
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.text).toBe('ready');
    expect((await get('/healthz')).text).toBe('ok');
  });

  it('/readyz is 503 database_unavailable within about a second when the database stalls; /healthz stays 200', async () => {
    const query = app.deps.database.query;
    app.deps.database.query = () => new Promise(() => {});
    try {
      const ready = await get('/readyz');
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text).error.data).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'database_unavailable',
      });
      expect(ready.res.headers.get('retry-after')).toBe('1');
      expect(ready.ms).toBeGreaterThanOrEqual(READINESS_TIMEOUT_MS - 50);
      expect(ready.ms).toBeLessThan(READINESS_TIMEOUT_MS + 1000);
      const health = await get('/healthz');
      expect([health.status, health.text]).toEqual([200, 'ok']);
    } finally {
      app.deps.database.query = query;
    }
    expect((await get('/readyz')).status).toBe(200);
  });

  it('/readyz is 503 database_unavailable once the database is closed; /healthz stays 200', async () => {
    closed = true;
    await app.close();
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.text).toContain('database_unavailable');
    const health = await get('/healthz');
    expect([health.status, health.text]).toEqual([200, 'ok']);
  });
});
