import { request } from 'node:http';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import {
  meetingOutput,
  meetingPageOutput,
  restErrorOutput,
  whoamiOutput,
} from '@keyhole/api/internal/rest/outputs';
import { httpQuery } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutAndVanish, rawExchange } from '../security/wire';
import { createKeyFor } from '../support/keys';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { bearer, expectRestError, rawRequests, restClient } from './rest-support';

/**
 * The REST face (SPEC §10) beside the tRPC one it is made of: the held-out checks of the tRPC
 * suites (bad, expired and deactivated keys, rate limits, keys in URLs, unknown fields, bad
 * cursors), its own transport rules (JSON 404 and 405, query coercion for REST only), and the
 * public document and reference. Calls go through openapi-fetch typed by openapi-typescript's
 * output for the served document, as an integrator's would.
 */

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let clock: ManualClock;
let orgKey: string;
let orgId: string;
let adminId: string;
const meetingIds: string[] = [];

const rest = (authorization?: string) => restClient(server.url, authorization);

/** A request from an address of its own (see beforeAll), answered whole. */
const raw = rawRequests(() => server.url);

function asWritten(method: string, path: string, headers: Record<string, string>) {
  const { hostname, port } = new URL(server.url);
  return new Promise<{ status: number; json: unknown }>((resolve, reject) => {
    const sent = { ...headers, 'x-forwarded-for': uniqueIp() };
    const req = request({ host: hostname, port, method, path, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  clock = new ManualClock();
  app = await createTestApp({
    clock,
    // Each request from its own address (X-Forwarded-For): with REDIS_URL the per-IP counters of
    // failed authentication are shared with every other suite of the run.
    env: {
      KEYHOLE_RATE_LIMIT_PER_MINUTE: '100000',
      KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_TRUST_PROXY: '1',
    },
  });
  server = await startTestServer(app);
  const db = app.deps.db;
  const org = await seedOrg(db);
  orgId = org.id;
  const admin = await seedUser(db, { orgId, role: 'admin' });
  adminId = admin.id;
  for (let i = 0; i < 7; i++) {
    meetingIds.push(
      await seedMeeting(db, {
        orgId,
        hostId: admin.id,
        subject: `REST meeting ${i}`,
        startAt: new Date(Date.UTC(2026, 0, 10 + i, 9)),
        state: i % 2 === 0 ? 'completed' : 'scheduled',
        transcript: [{ speaker: 'Ada', startSeconds: 0, endSeconds: 2, text: `words ${i}` }],
      }),
    );
  }
  orgKey = (await createKeyFor(app, { adminUserId: adminId, scope: 'org_limited' })).keyString;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await app?.close();
});

describe('REST answers', () => {
  it('GET /v1/whoami, /v1/meetings, /v1/meetings/{id} and its transcript answer the procedures’ outputs', async () => {
    const client = rest(bearer(orgKey));
    const me = await client.GET('/v1/whoami');
    expect(me.response.status).toBe(200);
    expect(whoamiOutput.parse(me.data).key.scope).toBe('org_limited');

    const page = await client.GET('/v1/meetings', { params: { query: { limit: 3 } } });
    expect(page.response.status).toBe(200);
    expect(meetingPageOutput.parse(page.data).items).toHaveLength(3);
    expect(page.response.headers.get('x-ratelimit-limit')).toBe('100000');
    expect(page.response.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(page.response.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
    expect(page.response.headers.get('cache-control')).toBe('no-store');
    expect(page.response.headers.get('content-type')).toBe('application/json');

    const one = await client.GET('/v1/meetings/{id}', { params: { path: { id: meetingIds[0]! } } });
    expect(meetingOutput.parse(one.data).subject).toBe('REST meeting 0');
    const transcript = await client.GET('/v1/meetings/{id}/transcript', {
      params: { path: { id: meetingIds[0]! } },
    });
    expect(transcript.data).toEqual({
      meetingId: meetingIds[0],
      segments: [{ speaker: 'Ada', startSeconds: 0, endSeconds: 2, text: 'words 0' }],
    });
  });

  it('answers exactly what tRPC answers for the same input', async () => {
    const input = { limit: 4, orderBy: 'startAt', direction: 'asc', state: 'completed' } as const;
    const viaTrpc = await httpQuery(server.url, 'meetings.list', input, { authorization: bearer(orgKey) });
    const viaRest = await rest(bearer(orgKey)).GET('/v1/meetings', { params: { query: input } });
    expect(viaRest.data).toEqual(viaTrpc.body.result?.data);
  });

  it('pages with nextCursor through every meeting, none skipped or repeated', async () => {
    const client = rest(bearer(orgKey));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.GET('/v1/meetings', { params: { query: { limit: 2, cursor } } });
      expect(page.response.status).toBe(200);
      seen.push(...page.data!.items.map((m) => m.id));
      cursor = page.data!.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect([...seen].sort()).toEqual([...meetingIds].sort());
  });

  it('links the next page (Link rel="next", RFC 8288) with the other parameters kept, none on the last page', async () => {
    const auth = { authorization: bearer(orgKey) };
    let url: string | null = `/v1/meetings?limit=3&direction=asc`;
    const seen: string[] = [];
    const links: string[] = [];
    while (url) {
      const r = await raw(url, { headers: auth });
      expect(r.status).toBe(200);
      const page = meetingPageOutput.parse(r.json);
      seen.push(...page.items.map((m) => m.id));
      const link = r.headers.get('link');
      if (page.nextCursor === null) {
        expect(link).toBeNull();
        url = null;
      } else {
        const match = /^<([^>]+)>; rel="next"$/.exec(link ?? '');
        expect(match, link ?? 'no Link header').not.toBeNull();
        const next = new URL(match![1]!);
        expect(next.origin).toBe(server.url);
        expect(next.searchParams.get('cursor')).toBe(page.nextCursor);
        expect(next.searchParams.get('limit')).toBe('3');
        expect(next.searchParams.get('direction')).toBe('asc');
        links.push(link!);
        url = `${next.pathname}${next.search}`;
      }
    }
    expect(links).toHaveLength(2);
    expect([...seen].sort()).toEqual([...meetingIds].sort());
  });

  it('accepts Basic credentials (client key as user, secret as password)', async () => {
    const basic = `Basic ${Buffer.from(orgKey).toString('base64')}`;
    const me = await rest(basic).GET('/v1/whoami');
    expect(me.response.status).toBe(200);
  });
});

describe('REST refusals: the tRPC held-out checks', () => {
  it('an unknown key is 401 invalid_key, and its secret is in no answer or log', async () => {
    const unknown = `kh_${'a'.repeat(22)}:khs_${'b'.repeat(49)}`;
    for (const path of ['/v1/whoami', '/v1/meetings', `/v1/meetings/${meetingIds[0]}`]) {
      const r = await raw(path, { headers: { authorization: bearer(unknown) } });
      expectRestError(r, 401, 'UNAUTHORIZED', 'invalid_key');
      expect(r.text).not.toContain('bbbbbbbb');
    }
    expect(app.logs.text()).not.toContain('b'.repeat(49));
  });

  it('an expired key is 401 key_expired', async () => {
    const k = await createKeyFor(app, {
      adminUserId: adminId,
      scope: 'org_full',
      expiresAt: new Date(clock.now().getTime() + 60_000),
    });
    expect((await raw('/v1/meetings', { headers: { authorization: bearer(k.keyString) } })).status).toBe(200);
    clock.advance(61_000);
    const r = await raw('/v1/meetings', { headers: { authorization: bearer(k.keyString) } });
    expectRestError(r, 401, 'UNAUTHORIZED', 'key_expired');
  });

  it('a key of a deactivated user is 403 key_user_deactivated', async () => {
    const user = await seedUser(app.deps.db, { orgId });
    const k = await createKeyFor(app, {
      adminUserId: adminId,
      scope: 'user_limited',
      issuedToUserId: user.id,
    });
    const session = await sessionCookieHeader(app, adminId);
    const off = await fetch(`${server.url}/trpc/members.setStatus`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: user.id, status: 'deactivated' }),
    });
    expect(off.status).toBe(200);
    const r = await raw('/v1/meetings', { headers: { authorization: bearer(k.keyString) } });
    expectRestError(r, 403, 'FORBIDDEN', 'key_user_deactivated');
  });

  it('past its budget a key is 429 rate_limited with Retry-After; each REST call counts one', async () => {
    const k = await createKeyFor(app, { adminUserId: adminId, scope: 'org_limited', rateLimitPerMinute: 3 });
    const client = rest(bearer(k.keyString));
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await client.GET('/v1/whoami');
      expect(r.response.status).toBe(200);
      remaining.push(r.response.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await raw('/v1/meetings', { headers: { authorization: bearer(k.keyString) } });
    expectRestError(refused, 429, 'TOO_MANY_REQUESTS', 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('a key in the URL is refused before anything else, and never logged', async () => {
    for (const path of [`/v1/meetings?api_key=${orgKey}`, `/v1/meetings/${encodeURIComponent(orgKey)}`]) {
      const r = await raw(path);
      expectRestError(r, 400, 'BAD_REQUEST', 'key_in_url');
    }
    expect(app.logs.text()).not.toContain(orgKey.split(':')[1]!);
  });

  it('two Authorization headers are refused (raw socket: fetch would join them)', async () => {
    const host = new URL(server.url).host;
    const request = [
      'GET /v1/whoami HTTP/1.1',
      `Host: ${host}`,
      `Authorization: ${bearer(orgKey)}`,
      `Authorization: ${bearer(orgKey)}`,
      'Connection: close',
    ];
    const r = await rawExchange(server.url, Buffer.from(`${request.join('\r\n')}\r\n\r\n`, 'latin1'));
    expectRestError(r, 400, 'BAD_REQUEST', 'duplicate_authorization');
  });

  it('a client that vanishes mid-request or mid-answer takes nothing down', async () => {
    const host = new URL(server.url).host;
    const bytes = Buffer.from(
      `GET /v1/meetings?limit=100 HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${bearer(orgKey)}\r\n\r\n`,
      'latin1',
    );
    for (const cut of [5, 30, bytes.length - 2, bytes.length]) await cutAndVanish(server.url, bytes, cut);
    expect((await raw('/v1/meetings', { headers: { authorization: bearer(orgKey) } })).status).toBe(200);
  });

  it('a session cookie alone is 401 key_required: REST takes keys only', async () => {
    const cookie = await sessionCookieHeader(app, adminId);
    for (const path of ['/v1/whoami', '/v1/meetings', `/v1/meetings/${meetingIds[0]}`]) {
      const r = await raw(path, { headers: { cookie } });
      expectRestError(r, 401, 'UNAUTHORIZED', 'key_required');
    }
    expectRestError(await raw('/v1/meetings'), 401, 'UNAUTHORIZED', 'key_required');
  });

  it('unknown query fields are 400 naming the field; credentials are checked first', async () => {
    const auth = { authorization: bearer(orgKey) };
    for (const path of [
      '/v1/meetings?limt=5',
      `/v1/meetings/${meetingIds[0]}?expand=all`,
      '/v1/whoami?x=1',
    ]) {
      const error = expectRestError(await raw(path, { headers: auth }), 400, 'BAD_REQUEST', null);
      expect(error.message).toMatch(/unknown field "(limt|expand|x)"/);
    }
    const unknown = `kh_${'a'.repeat(22)}:khs_${'b'.repeat(49)}`;
    expectRestError(
      await raw('/v1/meetings?limt=5', { headers: { authorization: bearer(unknown) } }),
      401,
      'UNAUTHORIZED',
      'invalid_key',
    );
  });

  it('a cursor the server did not issue, or issued for other filters, is 400 invalid_cursor', async () => {
    const auth = { authorization: bearer(orgKey) };
    expectRestError(
      await raw('/v1/meetings?cursor=not-a-cursor', { headers: auth }),
      400,
      'BAD_REQUEST',
      'invalid_cursor',
    );
    const first = await rest(bearer(orgKey)).GET('/v1/meetings', { params: { query: { limit: 1 } } });
    const cursor = first.data!.nextCursor!;
    const r = await raw(`/v1/meetings?cursor=${encodeURIComponent(cursor)}&direction=asc`, { headers: auth });
    expectRestError(r, 400, 'BAD_REQUEST', 'invalid_cursor');
  });

  it('query values are coerced for REST only; invalid ones are 400 naming the field', async () => {
    const auth = { authorization: bearer(orgKey) };
    const cases: [string, RegExp][] = [
      ['limit=abc', /^limit: expected a whole number/],
      ['limit=0', /^limit: must be between 1 and 100/],
      ['limit=2.5', /^limit: expected a whole number/],
      ['limit=', /^limit: expected a whole number/],
      ['limit=1&limit=2', /^limit: expected a whole number/],
      ['from=yesterday', /^from: expected an ISO-8601 date-time/],
      ['from=0000-01-01T00:00:00Z', /^from: must not be before 1900/],
      ['state=done', /^state: expected one of/],
      ['orderBy=subject', /^orderBy: expected one of/],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', /^to: must not be before from/],
    ];
    for (const [query, message] of cases) {
      const error = expectRestError(
        await raw(`/v1/meetings?${query}`, { headers: auth }),
        400,
        'BAD_REQUEST',
        null,
      );
      expect(error.message, query).toMatch(message);
    }
    expect((await raw('/v1/meetings?limit=5', { headers: auth })).status).toBe(200);
    expect((await raw('/v1/meetings?limit=%2B5', { headers: auth })).status).toBe(200);
  });

  it('tRPC stays strict after REST calls: {"limit":"5"} is still BAD_REQUEST there', async () => {
    const auth = { authorization: bearer(orgKey) };
    expect((await raw('/v1/meetings?limit=5', { headers: auth })).status).toBe(200);
    const strict = await httpQuery(server.url, 'meetings.list', { limit: '5' }, auth);
    expect(strict.status).toBe(400);
    expect(strict.body.error?.message).toMatch(/^limit: expected a whole number/);
    expect((await httpQuery(server.url, 'meetings.list', { limit: 5 }, auth)).status).toBe(200);
  });

  it('an id that is not a UUID is 400 naming id; an unknown one 404', async () => {
    const auth = { authorization: bearer(orgKey) };
    const bad = expectRestError(await raw('/v1/meetings/nope', { headers: auth }), 400, 'BAD_REQUEST', null);
    expect(bad.message).toMatch(/^id: /);
    expectRestError(
      await raw('/v1/meetings/00000000-0000-4000-8000-000000000000/transcript', { headers: auth }),
      404,
      'NOT_FOUND',
      null,
    );
    expectRestError(await raw('/v1/meetings/%E0%A4%A', { headers: auth }), 400, 'BAD_REQUEST', null);
    expectRestError(
      await raw(`/v1/meetings/${meetingIds[0]}?id=${meetingIds[1]}`, { headers: auth }),
      400,
      'BAD_REQUEST',
      null,
    );
  });
});

describe('REST against hostile input', () => {
  it('random paths, methods and query strings under /v1: never a 5xx, always the REST error envelope', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'meetings',
        'whoami',
        'transcript',
        'openapi.json',
        '..',
        '%2e%2e',
        '%00',
        '',
        meetingIds[0]!,
      ),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    const queryPart = fc.tuple(
      fc.constantFrom(
        'limit',
        'cursor',
        'from',
        'to',
        'state',
        'orderBy',
        'direction',
        'id',
        '__proto__',
        'x',
      ),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.integer().map(String),
        fc.constantFrom('1e999', '-0', 'NaN', 'true'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 0, maxLength: 4 }),
        fc.array(queryPart, { maxLength: 5 }),
        fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS'),
        fc.boolean(),
        async (segments, query, method, withKey) => {
          const search = new URLSearchParams(query).toString();
          const path = `/v1/${segments.join('/')}${search ? `?${search}` : ''}`;
          // node:http sends the path as written (fetch would resolve `..` before sending).
          const r = await asWritten(method, path, withKey ? { authorization: bearer(orgKey) } : {});
          expect(r.status, path).toBeLessThan(500);
          // Dot segments resolve as in any URL (`/v1/%2e%2e` is `/`): only what stays under /v1 is REST.
          const resolved = new URL(path, server.url).pathname;
          if (resolved !== '/v1' && !resolved.startsWith('/v1/')) return;
          if (r.status !== 200) restErrorOutput.parse(r.json);
          else expect(r.json, path).toBeDefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('REST transport', () => {
  it('an unknown /v1 path is a JSON 404, never the web app', async () => {
    for (const path of [
      '/v1',
      '/v1/',
      '/v1/nope',
      '/v1/meetings/x/y/z',
      '/v1/Meetings',
      '/v1/webhooks/x/y',
    ]) {
      const r = await raw(path, { headers: { authorization: bearer(orgKey) } });
      expectRestError(r, 404, 'NOT_FOUND', null);
      expect(r.headers.get('content-type')).toBe('application/json');
    }
  });

  it('a known path with another method is 405 METHOD_NOT_SUPPORTED with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']) {
      const r = await raw(`/v1/meetings/${meetingIds[0]}`, {
        method,
        headers: { authorization: bearer(orgKey) },
      });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('GET');
      if (method !== 'HEAD') expectRestError(r, 405, 'METHOD_NOT_SUPPORTED', null);
    }
  });

  it('serves the OpenAPI document and the API reference publicly, the reference under its own CSP', async () => {
    const doc = await raw('/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect((doc.json as { openapi: string }).openapi).toBe('3.1.0');
    expect((doc.json as { servers: { url: string }[] }).servers[0]!.url).toBe(server.url);
    const page = await raw('/docs/api');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const src of page.text.match(/src="([^"]+)"/g)!.map((s) => s.slice(5, -1))) {
      const script = await raw(src);
      expect(script.status, src).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    expect((await raw('/docs/api/nothing')).status).toBe(404);
  });
});
