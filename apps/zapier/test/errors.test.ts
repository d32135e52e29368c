import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, type ApiUser, KeyholeServer, rawWhoami } from './support/keyhole-server';
import { loadApp, zapierError, zapierRunner } from './support/zapier-app';

/**
 * How the app's middleware turns the API's answers into the errors Zapier acts on: a credential the
 * API no longer accepts pauses the Zap and asks to reconnect (ExpiredAuthError), a rate limit is
 * retried after Retry-After (core's ThrottledError), anything else is an error with the API's message.
 */
let keyhole: KeyholeServer;
let zapier: ReturnType<typeof zapierRunner>;
let admin: Admin;

beforeAll(async () => {
  keyhole = await KeyholeServer.start();
  zapier = zapierRunner(await loadApp());
  admin = await keyhole.signUpOrg();
});
afterAll(async () => {
  await keyhole?.stop();
});

async function userWithKey(opts: { rateLimitPerMinute?: number } = {}, orgAdmin: Admin = admin) {
  const user: ApiUser = await orgAdmin.addMember('Mo');
  const { key, secret } = await orgAdmin.createKey({
    name: 'Zapier',
    scope: 'user_limited',
    issuedToUserId: user.id,
    ...opts,
  });
  const member = await keyhole.signIn(user);
  await member.createMeeting('Weekly');
  return { user, key, secret };
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, zapierError);

describe('a key the API stops accepting', () => {
  it('revoked: both triggers and the connection test raise ExpiredAuthError with the API’s message', async () => {
    const { key, secret } = await userWithKey();
    expect(await zapier.poll('new_meeting', secret)).toHaveLength(1);
    await admin.revokeKey(key.id);
    const api = await rawWhoami(keyhole, secret);
    expect(api).toMatchObject({
      status: 401,
      error: { data: { code: 'UNAUTHORIZED', reason: 'invalid_key' } },
    });
    // One at a time: a promise made before its turn could reject with no handler attached yet.
    for (const attempt of [
      () => zapier.poll('new_meeting', secret),
      () => zapier.poll('meeting_completed', secret),
      () => zapier.testAuth(secret),
    ]) {
      const err = await failure(attempt());
      expect(err?.name).toBe('ExpiredAuthError');
      expect(err?.summary).toBe(api.error!.message);
    }
  });

  it('its user deactivated: ExpiredAuthError with the API’s message; reactivating makes it work again', async () => {
    const { user, secret } = await userWithKey();
    await admin.setStatus(user.id, 'deactivated');
    const api = await rawWhoami(keyhole, secret);
    expect(api).toMatchObject({
      status: 403,
      error: { data: { code: 'FORBIDDEN', reason: 'key_user_deactivated' } },
    });
    for (const attempt of [
      () => zapier.poll('new_meeting', secret),
      () => zapier.poll('meeting_completed', secret),
    ]) {
      const err = await failure(attempt());
      expect(err?.name).toBe('ExpiredAuthError');
      expect(err?.summary).toBe(api.error!.message);
    }
    await admin.setStatus(user.id, 'active');
    expect(await zapier.poll('new_meeting', secret)).toHaveLength(1);
  });
});

describe('the key’s rate limit', () => {
  it('a 429 is core’s ThrottledError carrying the Retry-After delay, after exactly one request', async () => {
    const { secret } = await userWithKey({ rateLimitPerMinute: 1 });
    expect(await zapier.poll('new_meeting', secret)).toHaveLength(1);
    const { result: err, requests } = await keyhole.observe(() =>
      failure(zapier.poll('new_meeting', secret)),
    );
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ path: '/trpc/meetings.list', status: 429 });
    const retryAfter = Number(requests[0]!.retryAfter);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(err?.name).toBe('ThrottledError');
    // The API's own words, which name the limit and the wait; the delay is what Zapier waits before retrying.
    expect(err?.json).toEqual({
      message: `Rate limit of 1 calls per minute reached for this API key. Retry in ${retryAfter} s.`,
      delay: retryAfter,
    });
  });
});

describe('a pasted key', () => {
  // An org of its own: an org holds at most 10 keys.
  let org: Admin;
  beforeAll(async () => {
    org = await keyhole.signUpOrg();
  });

  it.each([
    { how: 'with a leading "Bearer "', paste: (key: string) => `Bearer ${key}` },
    { how: 'with a leading "bearer " and spaces', paste: (key: string) => `  bearer   ${key}  ` },
    { how: 'with surrounding spaces and a line break', paste: (key: string) => ` ${key}\n` },
    { how: 'with a tab and "BEARER"', paste: (key: string) => `\tBEARER ${key}` },
  ])('works $how: the connection test, a poll and a search', async ({ paste }) => {
    const { user, secret } = await userWithKey({}, org);
    const pasted = paste(secret);
    const { result: me, requests } = await keyhole.observe(() => zapier.testAuth(pasted));
    expect(me).toMatchObject({ issuedTo: { id: user.id } });
    expect(requests).toEqual([expect.objectContaining({ path: '/trpc/whoami', status: 200 })]);
    const [meeting] = await zapier.poll('new_meeting', pasted);
    expect(meeting).toMatchObject({ subject: 'Weekly' });
    expect(await zapier.search('find_meeting', pasted, { meetingId: meeting!.id })).toHaveLength(1);
  });
});

describe('what a Zapier user reads', () => {
  let org: Admin;
  beforeAll(async () => {
    org = await keyhole.signUpOrg();
  });
  const jargon = /authorization|bearer|header|\bhttp\b|\b(401|403|429)\b/i;

  it.each([
    { what: 'an empty key', key: '   ' },
    { what: 'only "Bearer"', key: 'Bearer ' },
    { what: 'half a key (the client key alone)', key: 'kh_4V1sQm3c2B9xYq7Lr0Tn8a' },
    { what: 'two words', key: 'my key' },
  ])('$what: a reconnect prompt that says to paste the whole key, with no HTTP words', async ({ key }) => {
    const err = await failure(zapier.testAuth(key));
    expect(err?.name).toBe('ExpiredAuthError');
    expect(err?.summary).toMatch(/^Keyhole (could not read this API key|did not accept)|^Invalid API key/);
    expect(err?.summary).not.toMatch(jargon);
  });

  it('an empty or malformed key gets the app’s words, not the API’s header advice', async () => {
    const api = await rawWhoami(keyhole, 'my key');
    expect(api.error?.message).toMatch(/Authorization|Bearer/);
    const err = await failure(zapier.testAuth('my key'));
    expect(err?.summary).toBe(
      'Keyhole could not read this API key: it is empty or not a whole key. Reconnect Keyhole in Zapier ' +
        'and paste the whole key exactly as Keyhole showed it (it looks like kh_…:khs_…).',
    );
  });

  it('a server that cannot be reached: a sentence, not a socket error', async () => {
    const { secret } = await userWithKey({}, org);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const saved = process.env.KEYHOLE_API_URL;
    process.env.KEYHOLE_API_URL = `http://127.0.0.1:${port}`;
    try {
      const err = await failure(zapier.poll('new_meeting', secret));
      expect(err?.name).toBe('AppError');
      expect(err?.json).toMatchObject({ code: 'keyhole_unreachable' });
      expect(String(err?.json?.message)).toMatch(/^Zapier could not reach your Keyhole server\./);
      expect(String(err?.json?.message)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|request to/);
    } finally {
      process.env.KEYHOLE_API_URL = saved;
    }
  });

  it('an answer that is not Keyhole’s (a proxy page): a sentence, with the status kept as data', async () => {
    const { secret } = await userWithKey({}, org);
    const proxy = createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const saved = process.env.KEYHOLE_API_URL;
    process.env.KEYHOLE_API_URL = `http://127.0.0.1:${port}`;
    try {
      const err = await failure(zapier.poll('new_meeting', secret));
      expect(err?.name).toBe('AppError');
      expect(err?.json).toEqual({
        message:
          'Keyhole gave an answer Zapier could not read. Try again in a few minutes; if it keeps happening, ' +
          'ask your Keyhole admin whether the Keyhole server is up.',
        code: 'HTTP_502',
        status: 502,
      });
    } finally {
      process.env.KEYHOLE_API_URL = saved;
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('other API errors', () => {
  it('become z.errors.Error with the API’s message, code and status', async () => {
    const { secret } = await userWithKey();
    const err = await failure(
      zapier.run(secret, (z) =>
        z.request({ url: '/trpc/meetings.get', params: { input: JSON.stringify({ id: randomUUID() }) } }),
      ),
    );
    expect(err?.name).toBe('AppError');
    expect(err?.json).toEqual({
      message: 'Meeting not found (or not visible to this caller).',
      code: 'NOT_FOUND',
      status: 404,
    });
  });

  it('a key calling a web-only procedure is a FORBIDDEN error, not a reconnect prompt', async () => {
    const { secret } = await userWithKey();
    const err = await failure(zapier.run(secret, (z) => z.request({ url: '/trpc/org.get' })));
    expect(err?.name).toBe('AppError');
    expect(err?.json).toMatchObject({ code: 'FORBIDDEN', status: 403 });
  });
});

describe('the Authorization header', () => {
  it('goes to the Keyhole server only, never to another host the app might call', async () => {
    const { secret } = await userWithKey();
    const seen: IncomingHttpHeaders[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = elsewhere.address() as AddressInfo;
      await zapier.run(secret, (z) => z.request({ url: `http://127.0.0.1:${port}/hello` }));
      expect(seen).toHaveLength(1);
      expect(seen[0]!.authorization).toBeUndefined();
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});
