import { orgs, users } from '@keyhole/api/internal/db/schema';
import type { ManualClock } from '@keyhole/api/internal/lib/clock';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import { createContextInner, HeaderBag } from '@keyhole/api/internal/trpc/context';
import { createCallerFactory, keyOrSessionProcedure, router } from '@keyhole/api/internal/trpc/trpc';
import { generateKey } from '@keyhole/core';
import { expectTrpcError } from '@keyhole/testing/errors';
import { uniqueIp } from '@keyhole/testing/ips';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKeyFor, keyRequest } from '../support/keys';
import { seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { expectNoSecretsIn, newOrgWithAdmin } from './key-test-helpers';

const AUTH_FAIL_LIMIT = 8;
let app: TestApp;
let clock: ManualClock;
const minted = new Set<string>();

beforeAll(async () => {
  app = await createTestApp({
    env: { KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: String(AUTH_FAIL_LIMIT), KEYHOLE_LOG_LEVEL: 'trace' },
  });
  clock = app.clock as ManualClock;
});
afterAll(async () => {
  await app?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Failed authentications are limited per client IP, and with REDIS_URL the counters outlive a test
 * run, so every test sends from addresses of its own.
 */

/** One request: the caller is resolved once per request, so each call gets a caller of its own. */
function asKey(authorization: string, ip = uniqueIp()) {
  const { caller, headers } = app.callerWithHeaders({ authorization, ip });
  return { caller, headers };
}
const whoami = (authorization: string, ip?: string) => asKey(authorization, ip).caller.whoami();
const bearer = (keyString: string) => keyRequest(keyString).authorization;

async function orgKey(
  scope: 'org_limited' | 'org_full' = 'org_limited',
  extra: { rateLimitPerMinute?: number } = {},
) {
  const ctx = await newOrgWithAdmin(app);
  const key = await createKeyFor(app, { adminUserId: ctx.admin.id, scope, ...extra });
  minted.add(key.keyString);
  return { ...ctx, key };
}

describe('Authorization header forms', () => {
  it('accepts Bearer and Basic, scheme in any case, surrounding white space ignored', async () => {
    const { key } = await orgKey();
    const basic = Buffer.from(key.keyString).toString('base64');
    for (const header of [
      `Bearer ${key.keyString}`,
      `bearer ${key.keyString}`,
      `BEARER ${key.keyString}`,
      `  Bearer \t ${key.keyString}  `,
      `Basic ${basic}`,
      `basic ${basic}`,
      ` BASIC   ${basic} `,
      `Basic ${basic.replace(/=+$/, '')}`,
    ]) {
      expect((await whoami(header)).key.id, header.slice(0, 12)).toBe(key.id);
    }
  });

  it('refuses every malformed header with UNAUTHORIZED invalid_key, before any database work', async () => {
    const { key } = await orgKey();
    const [clientKey, secret] = key.keyString.split(':') as [string, string];
    const select = vi.spyOn(app.deps.db, 'select');
    const malformed = [
      '',
      '   ',
      'Bearer',
      'Bearer ',
      'Bearer  ',
      key.keyString,
      `Token ${key.keyString}`,
      `Bearer ${key.keyString} extra`,
      `Bearer ${clientKey}`,
      `Bearer ${clientKey}:`,
      `Bearer :${secret}`,
      `Bearer ${key.keyString}:more`,
      `Bearer ${clientKey}:${secret}=`,
      `Bearer ${clientKey}: ${secret}`,
      `Bearer ${encodeURIComponent(key.keyString)}`,
      'Basic',
      'Basic !!!!',
      'Basic a',
      `Basic ${Buffer.from(clientKey).toString('base64')}`,
      `Basic ${Buffer.from(key.keyString)
        .toString('base64url')
        .replace(/[A-Za-z0-9]/g, '-')}`,
      `Basic ${Buffer.from(key.keyString).toString('base64')}===`,
      `Basic ${Buffer.from(`${clientKey}:${secret}\n`).toString('base64')}`,
      `Bearer ${'a'.repeat(600)}:${'b'.repeat(600)}`,
      `Bearer ${key.keyString}${' '.repeat(1100)}`,
      `Digest username="${clientKey}"`,
    ];
    for (const header of malformed) {
      await expectTrpcError(whoami(header), 'UNAUTHORIZED', 'invalid_key');
    }
    expect(select).not.toHaveBeenCalled();
  });

  it('refuses a mistyped or truncated Keyhole key on its checksum, before any database look-up', async () => {
    const { key } = await orgKey();
    const select = vi.spyOn(app.deps.db, 'select');
    const last = key.keyString.at(-1) === 'a' ? 'b' : 'a';
    const typo = `${key.keyString.slice(0, -1)}${last}`;
    const swapped = key.keyString.replace(/khs_(.)(.)/, (_m, a: string, b: string) => `khs_${b}${a}`);
    for (const bad of [typo, key.keyString.slice(0, -1), key.keyString.slice(0, -10), swapped]) {
      if (bad === key.keyString) continue;
      const err = await expectTrpcError(whoami(bearer(bad)), 'UNAUTHORIZED', 'invalid_key');
      expect(err.message).toMatch(/mistyped or truncated/);
    }
    expect(select).not.toHaveBeenCalled();
    // A well-formed key with a valid checksum does reach the look-up.
    await expectTrpcError(whoami(bearer(generateKey().keyString)), 'UNAUTHORIZED', 'invalid_key');
    expect(select).toHaveBeenCalledTimes(1);
  });

  it('one message for an unknown key, a wrong secret and a revoked key', async () => {
    const { key, caller } = await orgKey();
    const other = generateKey();
    const unknown = await expectTrpcError(whoami(bearer(other.keyString)), 'UNAUTHORIZED', 'invalid_key');
    const wrongSecret = `${key.clientKey}:${other.secret}`;
    const wrong = await expectTrpcError(whoami(bearer(wrongSecret)), 'UNAUTHORIZED', 'invalid_key');
    await whoami(bearer(key.keyString));
    const cachedWrong = await expectTrpcError(whoami(bearer(wrongSecret)), 'UNAUTHORIZED', 'invalid_key');
    await caller.keys.revoke({ id: key.id });
    const revoked = await expectTrpcError(whoami(bearer(key.keyString)), 'UNAUTHORIZED', 'invalid_key');
    expect(new Set([unknown.message, wrong.message, cachedWrong.message, revoked.message])).toEqual(
      new Set(['Invalid API key.']),
    );
  });

  it('lets the header alone decide: a bad key fails even beside a good session cookie', async () => {
    const { admin } = await orgKey();
    const { cookies } = await sessionRequest(app, admin.id);
    const { caller } = app.callerWithHeaders({ cookies, authorization: 'Bearer nope:nope', ip: uniqueIp() });
    await expectTrpcError(caller.keys.list(), 'UNAUTHORIZED', 'invalid_key');
  });
});

describe('key state at use', () => {
  it('an expired key is UNAUTHORIZED key_expired (cached or not) and stays listed', async () => {
    const ctx = await newOrgWithAdmin(app);
    const expiresAt = new Date(clock.now().getTime() + 3_600_000);
    const key = await createKeyFor(app, { adminUserId: ctx.admin.id, scope: 'org_full', expiresAt });
    minted.add(key.keyString);
    await whoami(bearer(key.keyString));
    clock.advance(3_599_999);
    await whoami(bearer(key.keyString));
    clock.advance(1);
    await expectTrpcError(whoami(bearer(key.keyString)), 'UNAUTHORIZED', 'key_expired');
    app.deps.keyCache.clear();
    await expectTrpcError(whoami(bearer(key.keyString)), 'UNAUTHORIZED', 'key_expired');
    // A wrong secret for an expired key says nothing about expiry.
    await expectTrpcError(
      whoami(bearer(`${key.clientKey}:${generateKey().secret}`)),
      'UNAUTHORIZED',
      'invalid_key',
    );
    expect((await ctx.caller.keys.list()).keys.map((k) => k.id)).toEqual([key.id]);
  });

  it('a deactivated issued-to user makes every request FORBIDDEN key_user_deactivated; reactivated, it works', async () => {
    const ctx = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: ctx.org.id });
    const key = await createKeyFor(app, {
      adminUserId: ctx.admin.id,
      scope: 'user_full',
      issuedToUserId: member.id,
    });
    const orgWide = await createKeyFor(app, { adminUserId: ctx.admin.id, scope: 'org_limited' });
    minted.add(key.keyString).add(orgWide.keyString);
    await whoami(bearer(key.keyString));
    expect(app.deps.keyCache.get(key.clientKey)).toBeDefined();

    await app.deps.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, member.id));
    await app.deps.changes.publish({ kind: 'user', id: member.id });
    await expectTrpcError(whoami(bearer(key.keyString)), 'FORBIDDEN', 'key_user_deactivated');
    await expectTrpcError(
      asKey(bearer(key.keyString)).caller.keys.list(),
      'FORBIDDEN',
      'key_user_deactivated',
    );
    const basic = `Basic ${Buffer.from(key.keyString).toString('base64')}`;
    await expectTrpcError(whoami(basic), 'FORBIDDEN', 'key_user_deactivated');
    // Refused on its state, so it spends no budget.
    const { caller, headers } = asKey(bearer(key.keyString));
    await expectTrpcError(caller.whoami(), 'FORBIDDEN', 'key_user_deactivated');
    expect(headers.get('x-ratelimit-remaining')).toBeUndefined();
    await whoami(bearer(orgWide.keyString));

    await app.deps.db.update(users).set({ status: 'active' }).where(eq(users.id, member.id));
    await app.deps.changes.publish({ kind: 'user', id: member.id });
    expect((await whoami(bearer(key.keyString))).issuedTo?.id).toBe(member.id);
  });

  it('org keys keep working when their creator is deactivated', async () => {
    const ctx = await newOrgWithAdmin(app);
    const key = await createKeyFor(app, { adminUserId: ctx.admin.id, scope: 'org_full' });
    minted.add(key.keyString);
    await app.deps.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, ctx.admin.id));
    await app.deps.changes.publish({ kind: 'user', id: ctx.admin.id });
    expect((await whoami(bearer(key.keyString))).key.id).toBe(key.id);
  });

  it('whoami shows the issued-to user as they are now (a user event refreshes the cached copy)', async () => {
    const ctx = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: ctx.org.id, name: 'Before' });
    const key = await createKeyFor(app, {
      adminUserId: ctx.admin.id,
      scope: 'user_limited',
      issuedToUserId: member.id,
    });
    minted.add(key.keyString);
    expect((await whoami(bearer(key.keyString))).issuedTo?.name).toBe('Before');
    await app.deps.db.update(users).set({ name: 'After' }).where(eq(users.id, member.id));
    await app.deps.changes.publish({ kind: 'user', id: member.id });
    expect((await whoami(bearer(key.keyString))).issuedTo?.name).toBe('After');
  });

  it('a session calling whoami is UNAUTHORIZED: a key is required', async () => {
    const ctx = await newOrgWithAdmin(app);
    await expectTrpcError(ctx.caller.whoami(), 'UNAUTHORIZED', 'key_required');
    await expectTrpcError(app.caller().whoami(), 'UNAUTHORIZED', 'key_required');
  });
});

describe('org settings reach the access rule (keyOrSessionProcedure)', () => {
  // The meetings procedures come later; this probe reads what the builder hands them.
  const probe = router({ access: keyOrSessionProcedure.query(({ ctx }) => ctx.reader.access) });
  const probeCaller = (authorization: string) =>
    createCallerFactory(probe)(
      createContextInner({ deps: app.deps, req: { authorization, ip: uniqueIp() }, res: new HeaderBag() }),
    );

  it('an org_full key sees private meetings only while orgFullKeysIncludePrivate is true, from the next request on', async () => {
    const { org, key } = await orgKey('org_full');
    expect((await whoami(bearer(key.keyString))).key.scope).toBe('org_full');
    expect(await probeCaller(bearer(key.keyString)).access()).toEqual({
      kind: 'org',
      orgId: org.id,
      includePrivate: true,
    });
    await app.deps.db.update(orgs).set({ orgFullKeysIncludePrivate: false }).where(eq(orgs.id, org.id));
    await app.deps.changes.publish({ kind: 'org', id: org.id });
    expect(await probeCaller(bearer(key.keyString)).access()).toEqual({
      kind: 'org',
      orgId: org.id,
      includePrivate: false,
    });
    await app.deps.db.update(orgs).set({ orgFullKeysIncludePrivate: true }).where(eq(orgs.id, org.id));
    await app.deps.changes.publish({ kind: 'org', id: org.id });
    expect(await probeCaller(bearer(key.keyString)).access()).toMatchObject({ includePrivate: true });
  });

  it('builds the SPEC §2 access for each scope; legacy ignores the setting', async () => {
    const ctx = await newOrgWithAdmin(app, { orgFullKeysIncludePrivate: false });
    const member = await seedUser(app.deps.db, { orgId: ctx.org.id });
    const make = async (scope: 'user_limited' | 'user_full' | 'org_limited' | 'org_full') => {
      const k = await createKeyFor(app, {
        adminUserId: ctx.admin.id,
        scope,
        ...(scope.startsWith('user') ? { issuedToUserId: member.id } : {}),
      });
      minted.add(k.keyString);
      return probeCaller(bearer(k.keyString)).access();
    };
    const orgId = ctx.org.id;
    expect(await make('user_limited')).toEqual({
      kind: 'user',
      orgId,
      userId: member.id,
      includeOwnPrivate: false,
    });
    expect(await make('user_full')).toEqual({
      kind: 'user',
      orgId,
      userId: member.id,
      includeOwnPrivate: true,
    });
    expect(await make('org_limited')).toEqual({ kind: 'org', orgId, includePrivate: false });
    expect(await make('org_full')).toEqual({ kind: 'org', orgId, includePrivate: false });
    const legacy = await importLegacyKey(app.deps, systemActor(orgId), { name: 'legacy' });
    minted.add(legacy.secret);
    expect(await probeCaller(bearer(legacy.secret)).access()).toEqual({
      kind: 'org',
      orgId,
      includePrivate: true,
    });
  });
});

describe('rate limits (SPEC §4)', () => {
  it('charges each call, sets the headers on every call and refuses past the budget with Retry-After', async () => {
    const { key } = await orgKey('org_limited', { rateLimitPerMinute: 3 });
    for (const remaining of [2, 1, 0]) {
      const { caller, headers } = asKey(bearer(key.keyString));
      await caller.whoami();
      expect(headers.get('x-ratelimit-limit')).toBe('3');
      expect(headers.get('x-ratelimit-remaining')).toBe(String(remaining));
      const reset = Number(headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
      expect(headers.get('retry-after')).toBeUndefined();
    }
    const { caller, headers } = asKey(bearer(key.keyString));
    await expectTrpcError(caller.whoami(), 'TOO_MANY_REQUESTS', 'rate_limited');
    expect(headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAfter = Number(headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('uses the server default when the key has no limit of its own', async () => {
    const { key } = await orgKey();
    const { caller, headers } = asKey(bearer(key.keyString));
    await caller.whoami();
    expect(headers.get('x-ratelimit-limit')).toBe(String(app.deps.config.rateLimitPerMinute));
    expect(headers.get('x-ratelimit-remaining')).toBe(String(app.deps.config.rateLimitPerMinute - 1));
  });

  it('a key calling an admin procedure is charged before it is refused', async () => {
    const { key } = await orgKey('org_full', { rateLimitPerMinute: 10 });
    const { caller, headers } = asKey(bearer(key.keyString));
    await expectTrpcError(caller.keys.list(), 'FORBIDDEN', 'session_required');
    expect(headers.get('x-ratelimit-remaining')).toBe('9');
  });

  it('failed authentications never spend a key budget', async () => {
    const { key } = await orgKey('org_limited', { rateLimitPerMinute: 5 });
    const ip = uniqueIp();
    for (let i = 0; i < 3; i++) {
      await expectTrpcError(whoami(bearer(`${key.clientKey}:${generateKey().secret}`), ip), 'UNAUTHORIZED');
    }
    const { caller, headers } = asKey(bearer(key.keyString), ip);
    await caller.whoami();
    expect(headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it(`limits failed authentications per client IP (${AUTH_FAIL_LIMIT}/min) with 429, without look-ups once blocked`, async () => {
    const { key } = await orgKey();
    const ip = uniqueIp();
    for (let i = 0; i < AUTH_FAIL_LIMIT; i++) {
      await expectTrpcError(whoami(bearer(generateKey().keyString), ip), 'UNAUTHORIZED', 'invalid_key');
    }
    const { caller, headers } = asKey(bearer(generateKey().keyString), ip);
    await expectTrpcError(caller.whoami(), 'TOO_MANY_REQUESTS', 'rate_limited');
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(headers.get('x-ratelimit-limit')).toBeUndefined();
    // Blocked: even a good key from this address gets 429 without touching the database...
    const select = vi.spyOn(app.deps.db, 'select');
    app.deps.keyCache.clear();
    await expectTrpcError(whoami(bearer(key.keyString), ip), 'TOO_MANY_REQUESTS', 'rate_limited');
    await expectTrpcError(whoami('Bearer garbage', ip), 'TOO_MANY_REQUESTS', 'rate_limited');
    expect(select).not.toHaveBeenCalled();
    // ...while other addresses are unaffected.
    expect((await whoami(bearer(key.keyString))).key.id).toBe(key.id);
  });
});

describe('log hygiene', () => {
  it('no log line of this file holds any secret minted in it', () => {
    expect(minted.size).toBeGreaterThan(10);
    expectNoSecretsIn(app.logs.text(), minted);
  });
});
