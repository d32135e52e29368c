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

async function userWithKey(opts: { rateLimitPerMinute?: number } = {}) {
  const user: ApiUser = await admin.addMember('Mo');
  const { key, secret } = await admin.createKey({
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
    expect(err?.json).toEqual({ message: 'The server returned 429 (Too Many Requests)', delay: retryAfter });
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
