import { subscribeOutput, webhookListOutput } from '@keyhole/api/internal/rest/outputs';
import { httpMutation } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange } from '../security/wire';
import { createKeyFor } from '../support/keys';
import { seedOrg, seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { bearer, expectRestError, rawRequests, restClient } from './rest-support';

/**
 * The webhook routes of the REST face (SPEC §10, §11): the key procedures as mutations over POST
 * and DELETE. Destinations are loopback only (nothing leaves the machine); no receiver is needed,
 * as subscribing contacts nobody.
 */

let app: TestApp;
let strictApp: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let strictServer: Awaited<ReturnType<typeof startTestServer>>;
let keyA: string;
let keyB: string;
let strictKey: string;
let adminId: string;
const HOOK = 'http://127.0.0.1:9/hook';

const rest = (key: string, base = () => server.url) => restClient(base(), bearer(key));
const raw = rawRequests(() => server.url);

const json = (key: string) => ({ authorization: bearer(key), 'content-type': 'application/json' });

const LOOPBACK_ENV = {
  KEYHOLE_RATE_LIMIT_PER_MINUTE: '100000',
  KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000',
  KEYHOLE_TRUST_PROXY: '1',
  KEYHOLE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
};

beforeAll(async () => {
  app = await createTestApp({
    env: { ...LOOPBACK_ENV, KEYHOLE_WEBHOOK_ALLOW_HTTP: 'true', KEYHOLE_WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
  server = await startTestServer(app);
  const org = await seedOrg(app.deps.db);
  adminId = (await seedUser(app.deps.db, { orgId: org.id, role: 'admin' })).id;
  keyA = (await createKeyFor(app, { adminUserId: adminId, scope: 'org_limited' })).keyString;
  keyB = (await createKeyFor(app, { adminUserId: adminId, scope: 'org_full' })).keyString;

  // Private destinations refused, as in production (https still required: ALLOW_HTTP off).
  strictApp = await createTestApp({ env: LOOPBACK_ENV });
  strictServer = await startTestServer(strictApp);
  const org2 = await seedOrg(strictApp.deps.db);
  const admin2 = await seedUser(strictApp.deps.db, { orgId: org2.id, role: 'admin' });
  strictKey = (await createKeyFor(strictApp, { adminUserId: admin2.id, scope: 'org_limited' })).keyString;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await app?.close();
  await strictServer?.close();
  await strictApp?.close();
});

describe('REST webhooks', () => {
  it('POST subscribes (secret whsec_…), GET lists it, DELETE removes it, a second DELETE is 404', async () => {
    const client = rest(keyA);
    const made = await client.POST('/v1/webhooks', {
      body: { url: HOOK, events: ['meeting.created', 'meeting.completed'] },
    });
    expect(made.response.status).toBe(200);
    expect(made.response.headers.get('x-ratelimit-limit')).toBe('100000');
    const { subscription, secret } = subscribeOutput.parse(made.data);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/);
    expect(subscription).toMatchObject({ url: HOOK, enabled: true, disabledReason: null });

    const listed = await client.GET('/v1/webhooks');
    expect(listed.response.status).toBe(200);
    expect(webhookListOutput.parse(listed.data).map((w) => w.id)).toEqual([subscription.id]);
    expect(JSON.stringify(listed.data)).not.toContain(secret);

    // Another key neither sees nor deletes it.
    const other = rest(keyB);
    expect((await other.GET('/v1/webhooks')).data).toEqual([]);
    const foreign = await other.DELETE('/v1/webhooks/{id}', { params: { path: { id: subscription.id } } });
    expectRestError({ status: foreign.response.status, json: foreign.error }, 404, 'NOT_FOUND', null);

    const gone = await client.DELETE('/v1/webhooks/{id}', { params: { path: { id: subscription.id } } });
    expect(gone.response.status).toBe(200);
    expect(gone.data).toEqual({ ok: true });
    const again = await client.DELETE('/v1/webhooks/{id}', { params: { path: { id: subscription.id } } });
    expectRestError({ status: again.response.status, json: again.error }, 404, 'NOT_FOUND', null);
    expect((await client.GET('/v1/webhooks')).data).toEqual([]);
  });

  it('a body that is not declared JSON is 415; malformed JSON is 400 naming input; never 5xx', async () => {
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const r = await raw('/v1/webhooks', {
        method: 'POST',
        headers: { authorization: bearer(keyA), ...(type ? { 'content-type': type } : {}) },
        body: JSON.stringify({ url: HOOK, events: ['meeting.created'] }),
      });
      const error = expectRestError(r, 415, 'UNSUPPORTED_MEDIA_TYPE', null);
      expect(error.message).toContain('content-type: application/json');
    }
    for (const body of ['{"url":', 'not json', '', '{"url":"x",}']) {
      const r = await raw('/v1/webhooks', { method: 'POST', headers: json(keyA), body });
      const error = expectRestError(r, 400, 'BAD_REQUEST', null);
      expect(error.message, body).toMatch(/^input: /);
    }
    const charset = await raw('/v1/webhooks', {
      method: 'POST',
      headers: { ...json(keyA), 'content-type': 'Application/JSON; charset=utf-8' },
      body: JSON.stringify({ url: HOOK, events: ['meeting.updated'] }),
    });
    expect(charset.status).toBe(200);
  });

  it('a body cut off (Content-Length larger than sent, then the client closes) is 400, never 5xx', async () => {
    const before = (await rest(keyA).GET('/v1/webhooks')).data!.length;
    const host = new URL(server.url).host;
    const lines = [
      'POST /v1/webhooks HTTP/1.1',
      `Host: ${host}`,
      `Authorization: ${bearer(keyA)}`,
      'Content-Type: application/json',
      'Content-Length: 500',
      `X-Forwarded-For: ${uniqueIp()}`,
    ];
    const r = await rawExchange(
      server.url,
      Buffer.from(`${lines.join('\r\n')}\r\n\r\n{"url":"http://127`, 'latin1'),
    );
    expect(r.status, r.text).toBe(400);
    // Nothing was subscribed from the half body.
    expect((await rest(keyA).GET('/v1/webhooks')).data!.length).toBe(before);
  });

  it('a body over the request-size limit is 413 in the REST envelope', async () => {
    const r = await raw('/v1/webhooks', {
      method: 'POST',
      headers: json(keyA),
      body: JSON.stringify({ url: HOOK, events: ['meeting.created'], pad: 'x'.repeat(1_100_000) }),
    });
    expectRestError(r, 413, 'PAYLOAD_TOO_LARGE', null);
  });

  it('invalid fields are 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ url: HOOK, events: [] }, /^events: name at least one event/],
      [{ url: HOOK, events: ['meeting.created', 'meeting.created'] }, /^events: each event at most once/],
      [{ url: HOOK, events: ['meeting.deleted'] }, /^events\.0: /],
      [{ url: HOOK }, /^events: /],
      [{ url: `http://127.0.0.1/${'a'.repeat(2000)}`, events: ['meeting.created'] }, /^url: at most 2000/],
      [{ url: HOOK, events: ['meeting.created'], secret: 'x' }, /unknown field "secret"/],
      [[HOOK], /^input: /],
    ];
    for (const [body, message] of cases) {
      const r = await raw('/v1/webhooks', {
        method: 'POST',
        headers: json(keyA),
        body: JSON.stringify(body),
      });
      expect(expectRestError(r, 400, 'BAD_REQUEST', null).message, JSON.stringify(body).slice(0, 80)).toMatch(
        message,
      );
    }
  });

  it('a private destination is 400 webhook_url_not_allowed where private addresses are refused', async () => {
    const client = rest(strictKey, () => strictServer.url);
    const r = await client.POST('/v1/webhooks', {
      body: { url: 'https://10.0.0.1/x', events: ['meeting.created'] },
    });
    expectRestError(
      { status: r.response.status, json: r.error },
      400,
      'BAD_REQUEST',
      'webhook_url_not_allowed',
    );
  });

  it('a session cookie alone is 401 key_required; no credentials 401 key_required', async () => {
    const cookie = await sessionCookieHeader(app, adminId);
    const body = JSON.stringify({ url: HOOK, events: ['meeting.created'] });
    for (const headers of [{ cookie }, {}] as Record<string, string>[]) {
      const h = { ...headers, 'content-type': 'application/json' };
      expectRestError(
        await raw('/v1/webhooks', { method: 'POST', headers: h, body }),
        401,
        'UNAUTHORIZED',
        'key_required',
      );
      expectRestError(await raw('/v1/webhooks', { headers }), 401, 'UNAUTHORIZED', 'key_required');
      expectRestError(
        await raw('/v1/webhooks/00000000-0000-4000-8000-000000000000', { method: 'DELETE', headers }),
        401,
        'UNAUTHORIZED',
        'key_required',
      );
    }
  });

  it('Origin: a key request without one works; the same origin works; another site is 403 origin_mismatch', async () => {
    const body = JSON.stringify({ url: HOOK, events: ['meeting.created'] });
    const same = await raw('/v1/webhooks', {
      method: 'POST',
      headers: { ...json(keyA), origin: server.url },
      body,
    });
    expect(same.status, same.text).toBe(200);
    const cross = await raw('/v1/webhooks', {
      method: 'POST',
      headers: { ...json(keyA), origin: 'https://evil.example' },
      body,
    });
    expectRestError(cross, 403, 'FORBIDDEN', 'origin_mismatch');
    const id = subscribeOutput.parse(same.json).subscription.id;
    const del = await raw(`/v1/webhooks/${id}`, {
      method: 'DELETE',
      headers: { authorization: bearer(keyA), origin: 'https://evil.example' },
    });
    expectRestError(del, 403, 'FORBIDDEN', 'origin_mismatch');
    expect(
      (await raw(`/v1/webhooks/${id}`, { method: 'DELETE', headers: { authorization: bearer(keyA) } }))
        .status,
    ).toBe(200);
  });

  it('Origin behind a trusted proxy: X-Forwarded-Proto https makes https://<host> the origin, for /v1 as for /trpc', async () => {
    const host = new URL(server.url).host;
    const input = { url: HOOK, events: ['meeting.created'] };
    const behindTls = (origin: string) => ({ 'x-forwarded-proto': 'https', origin });
    const madeIds: string[] = [];
    for (const [origin, accepted] of [
      [`https://${host}`, true],
      [`http://${host}`, false],
      ['https://evil.example', false],
    ] as const) {
      const r = await raw('/v1/webhooks', {
        method: 'POST',
        headers: { ...json(keyA), ...behindTls(origin) },
        body: JSON.stringify(input),
      });
      const t = await httpMutation(server.url, 'webhooks.subscribe', input, {
        authorization: bearer(keyA),
        ip: uniqueIp(),
        headers: behindTls(origin),
      });
      if (accepted) {
        expect(r.status, r.text).toBe(200);
        expect(t.status, t.text).toBe(200);
        madeIds.push(subscribeOutput.parse(r.json).subscription.id);
        madeIds.push(subscribeOutput.parse(t.body.result!.data).subscription.id);
      } else {
        expect(expectRestError(r, 403, 'FORBIDDEN', 'origin_mismatch').message, origin).toContain(
          `is not https://${host}`,
        );
        expect([t.status, t.body.error?.data.reason], origin).toEqual([403, 'origin_mismatch']);
      }
    }
    const del = await raw(`/v1/webhooks/${madeIds[0]}`, {
      method: 'DELETE',
      headers: { authorization: bearer(keyA), ...behindTls(`http://${host}`) },
    });
    expectRestError(del, 403, 'FORBIDDEN', 'origin_mismatch');
    for (const id of madeIds) {
      const gone = await raw(`/v1/webhooks/${id}`, {
        method: 'DELETE',
        headers: { authorization: bearer(keyA), ...behindTls(`https://${host}`) },
      });
      expect(gone.status, gone.text).toBe(200);
    }
    // The URLs the REST face writes follow the same origin: the document's server.
    const doc = await raw('/v1/openapi.json', { headers: { 'x-forwarded-proto': 'https' } });
    expect((doc.json as { servers: { url: string }[] }).servers[0]!.url).toBe(`https://${host}`);
    const plain = await raw('/v1/openapi.json');
    expect((plain.json as { servers: { url: string }[] }).servers[0]!.url).toBe(server.url);
  });

  it('Idempotency-Key is refused on subscribe (400 idempotency_key_invalid), replayed on unsubscribe, ignored on GET', async () => {
    const body = JSON.stringify({ url: HOOK, events: ['meeting.created'] });
    const before = (await rest(keyA).GET('/v1/webhooks')).data!.length;
    const r = await raw('/v1/webhooks', {
      method: 'POST',
      headers: { ...json(keyA), 'idempotency-key': 'k-1' },
      body,
    });
    expect(expectRestError(r, 400, 'BAD_REQUEST', 'idempotency_key_invalid').message).toMatch(
      /webhooks\.subscribe/,
    );
    expect((await rest(keyA).GET('/v1/webhooks')).data!.length).toBe(before);
    // DELETE takes one: the retry of a delete that went through answers the same, replayed.
    const made = await raw('/v1/webhooks', { method: 'POST', headers: json(keyA), body });
    expect(made.status).toBe(200);
    const { subscription } = JSON.parse(made.text) as { subscription: { id: string } };
    for (const replayed of [null, 'true']) {
      const d = await raw(`/v1/webhooks/${subscription.id}`, {
        method: 'DELETE',
        headers: { authorization: bearer(keyA), 'idempotency-key': 'k-2' },
      });
      expect([d.status, JSON.parse(d.text), d.headers.get('idempotent-replayed')]).toEqual([
        200,
        { ok: true },
        replayed,
      ]);
    }
    const g = await raw('/v1/webhooks', {
      headers: { authorization: bearer(keyA), 'idempotency-key': 'k-3' },
    });
    expect(g.status).toBe(200);
  });

  it('other methods are 405 with Allow listing the methods of the path', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'HEAD']) {
      const r = await raw('/v1/webhooks', { method, headers: { authorization: bearer(keyA) } });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, POST');
      if (method !== 'HEAD') expectRestError(r, 405, 'METHOD_NOT_SUPPORTED', null);
    }
    for (const method of ['GET', 'POST', 'PUT', 'HEAD']) {
      const r = await raw('/v1/webhooks/some-id', { method, headers: { authorization: bearer(keyA) } });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('DELETE');
    }
  });
});
