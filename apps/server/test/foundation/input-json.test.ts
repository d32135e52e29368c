import { httpMutation, trpcRequest } from '@keyhole/testing/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor } from '../support/keys';
import { seedOrg, seedUser } from '../support/seed';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let key: string;

beforeAll(async () => {
  app = await createTestApp();
  server = await startTestServer(app);
  const org = await seedOrg(app.deps.db);
  const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
  key = (await createKeyFor(app, { adminUserId: admin.id, scope: 'org_limited' })).keyString;
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

describe('input that is not JSON (SPEC §5)', () => {
  it('a ?input= that is not JSON is BAD_REQUEST with a message naming input and how to send it', async () => {
    for (const input of ['{bad', '%7Blimit:5%7D', 'limit=5']) {
      const r = await trpcRequest(server.url, {
        path: `meetings.list?input=${input}`,
        headers: { authorization: `Bearer ${key}` },
      });
      expect(r.status, `${input}: ${r.text}`).toBe(400);
      const error = (r.json as { error: { message: string; data: { code: string } } }).error;
      expect(error.data.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/^input: not valid JSON \(.+\); send \?input= as URL-encoded JSON/);
    }
  });

  it('a mutation body that is not JSON names input too, and asks for a JSON body', async () => {
    const r = await trpcRequest(server.url, {
      method: 'POST',
      path: 'auth.signIn',
      headers: { 'content-type': 'application/json' },
      body: '{"email": "a@b.c",',
    });
    expect(r.status).toBe(400);
    expect((r.json as { error: { message: string } }).error.message).toMatch(
      /^input: not valid JSON \(.+\); send a JSON body$/,
    );
    // Valid JSON with a bad field still names the field, not input.
    const field = await httpMutation(server.url, 'auth.signUp', {
      orgName: 'Org',
      name: 'Name',
      email: 'not-an-email',
      password: 'long enough password',
    });
    expect(field.status).toBe(400);
    expect(field.body.error?.message).toMatch(/^email: /);
  });
});
