import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('health', () => {
  it('answers through createCaller with the database kind', async () => {
    const health = await app.caller().health();
    expect(health).toEqual({
      ok: true,
      database: isPostgres() ? 'postgres' : 'pglite',
      version: expect.any(String),
    });
  });

  it('answers over HTTP in tRPC wire format, ignoring credentials', async () => {
    const res = await fetch(`${server.url}/trpc/health`, { headers: { authorization: 'Bearer nonsense' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { ok: boolean; database: string } } };
    expect(body.result.data.ok).toBe(true);
    expect(body.result.data.database).toBe(isPostgres() ? 'postgres' : 'pglite');
  });

  it('serves /healthz as plain ok', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('answers an unknown procedure with NOT_FOUND and no stack trace', async () => {
    const res = await fetch(`${server.url}/trpc/nope`);
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).not.toMatch(/stack|at .*\.ts:/);
    expect(JSON.parse(text).error.data.code).toBe('NOT_FOUND');
  });

  it('refuses a key in the query string without logging the URL', async () => {
    const res = await fetch(`${server.url}/trpc/health?api_key=abc123secretvalue`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { data: { code: string; reason: string } } };
    expect(body.error.data).toMatchObject({ code: 'BAD_REQUEST', reason: 'key_in_url' });
    await new Promise((r) => setTimeout(r, 20));
    expect(app.logs.text()).not.toContain('abc123secretvalue');
  });
});
