import { createHmac } from 'node:crypto';
import { apiKeys, orgs, users } from '@keyhole/api/internal/db/schema';
import type { ManualClock } from '@keyhole/api/internal/lib/clock';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import { KEY_LIMIT_PER_ORG } from '@keyhole/core';
import { expectKeyholeError, expectTrpcError } from '@keyhole/testing/errors';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { keyRequest } from '../support/keys';
import { seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/test-app';
import { auditFor, expectNoSecretsIn, newOrgWithAdmin } from './key-test-helpers';

let app: TestApp;
let clock: ManualClock;
const minted = new Set<string>();
const KEY_STRING = /^kh_[0-9A-Za-z]{22}:khs_[0-9A-Za-z]{49}$/;
const MISSING_UUID = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  app = await createTestApp({ env: { KEYHOLE_LOG_LEVEL: 'trace' } });
  clock = app.clock as ManualClock;
});
afterAll(async () => {
  await app?.close();
});

// A caller is one request (the caller is resolved once per request), so every call gets a new one.
const whoami = (keyString: string) => app.caller(keyRequest(keyString)).whoami();

const remember = <T extends { secret: string }>(r: T): T => {
  minted.add(r.secret);
  return r;
};

describe('keys.create', () => {
  it('mints an org key: the view of SPEC §5 and the key string once', async () => {
    const { org, admin, caller } = await newOrgWithAdmin(app);
    const { key, secret } = remember(
      await caller.keys.create({ name: '  BI dashboard  ', scope: 'org_limited' }),
    );
    expect(secret).toMatch(KEY_STRING);
    expect(key).toEqual({
      id: expect.any(String),
      name: 'BI dashboard',
      scope: 'org_limited',
      isLegacy: false,
      clientKey: secret.split(':')[0],
      issuedTo: null,
      createdBy: { id: admin.id, name: admin.name, email: admin.email },
      createdAt: clock.now().toISOString(),
      lastUsedAt: null,
      expiresAt: null,
      rateLimitPerMinute: null,
      leakedAt: null,
      leakedUrl: null,
    });
    const me = await whoami(secret);
    expect(me).toEqual({
      key: { id: key.id, name: 'BI dashboard', scope: 'org_limited', clientKey: key.clientKey },
      org: { id: org.id, name: org.name },
      issuedTo: null,
    });
  });

  it('mints a user key bound to its user, with expiry and rate limit', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id });
    const expiresAt = new Date(clock.now().getTime() + 86_400_000).toISOString();
    const { key, secret } = remember(
      await caller.keys.create({
        name: 'Zapier',
        scope: 'user_limited',
        issuedToUserId: member.id,
        expiresAt,
        rateLimitPerMinute: 120,
      }),
    );
    expect(key.issuedTo).toEqual({ id: member.id, name: member.name, email: member.email, status: 'active' });
    expect(key.expiresAt).toBe(expiresAt);
    expect(key.rateLimitPerMinute).toBe(120);
    const me = await whoami(secret);
    expect(me.issuedTo).toEqual({ id: member.id, name: member.name, email: member.email });
  });

  it('stores only an HMAC and an AES-GCM ciphertext, never the secret', async () => {
    const { caller } = await newOrgWithAdmin(app);
    const { key, secret } = remember(await caller.keys.create({ name: 'Stored', scope: 'org_full' }));
    const [row] = await app.deps.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    const plain = secret.split(':')[1]!;
    expect(Buffer.from(row!.secretHash!)).toEqual(
      createHmac('sha256', app.deps.keyring.keySecretHmac).update(plain).digest(),
    );
    // The HMAC key is derived, not the root secret itself.
    expect(Buffer.from(row!.secretHash!)).not.toEqual(
      createHmac('sha256', TEST_SECRET).update(plain).digest(),
    );
    const blob = Buffer.from(row!.secretCiphertext!);
    expect(blob.length).toBe(12 + 16 + plain.length);
    expect(blob.includes(Buffer.from(plain))).toBe(false);
    expect(JSON.stringify(row)).not.toContain(plain);
  });

  it('audits key.created in the org with the actor and request, never the secret', async () => {
    const { org, admin, session } = await newOrgWithAdmin(app);
    const caller = app.caller({ ...session, ip: '203.0.113.9', userAgent: 'test-agent' });
    const { key, secret } = remember(await caller.keys.create({ name: 'Audited', scope: 'org_limited' }));
    const [event] = await auditFor(app, org.id, 'key.created');
    expect(event).toMatchObject({
      actorType: 'user',
      actorId: admin.id,
      actorEmail: admin.email,
      targetType: 'api_key',
      targetId: key.id,
      targetName: 'Audited',
      ip: '203.0.113.9',
      userAgent: 'test-agent',
    });
    expect(event!.details).toMatchObject({ scope: 'org_limited', clientKey: key.clientKey });
    expectNoSecretsIn(JSON.stringify(event), [secret]);
  });

  it('requires issuedToUserId for user scopes and refuses it for org scopes', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id });
    await expectTrpcError(caller.keys.create({ name: 'x', scope: 'user_full' }), 'BAD_REQUEST');
    await expectTrpcError(
      caller.keys.create({ name: 'x', scope: 'user_limited', issuedToUserId: null }),
      'BAD_REQUEST',
    );
    await expectTrpcError(
      caller.keys.create({ name: 'x', scope: 'org_full', issuedToUserId: member.id }),
      'BAD_REQUEST',
    );
    expect((await caller.keys.list()).used).toBe(0);
  });

  it('answers NOT_FOUND for an unknown, malformed or other-org user and PRECONDITION_FAILED for a deactivated one', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const other = await newOrgWithAdmin(app);
    const gone = await seedUser(app.deps.db, { orgId: org.id, status: 'deactivated' });
    for (const issuedToUserId of [MISSING_UUID, 'not-a-uuid', other.admin.id]) {
      await expectTrpcError(
        caller.keys.create({ name: 'x', scope: 'user_limited', issuedToUserId }),
        'NOT_FOUND',
      );
    }
    await expectTrpcError(
      caller.keys.create({ name: 'x', scope: 'user_full', issuedToUserId: gone.id }),
      'PRECONDITION_FAILED',
    );
  });

  it('refuses bad names, scopes, dates, limits and unknown fields with BAD_REQUEST', async () => {
    const { caller } = await newOrgWithAdmin(app);
    const past = new Date(clock.now().getTime() - 1000).toISOString();
    const bad: unknown[] = [
      { name: '', scope: 'org_limited' },
      { name: '    ', scope: 'org_limited' },
      { name: 'x'.repeat(101), scope: 'org_limited' },
      { name: 'x', scope: 'legacy' },
      { name: 'x', scope: 'everything' },
      { name: 'x', scope: 'org_limited', expiresAt: past },
      { name: 'x', scope: 'org_limited', expiresAt: clock.now().toISOString() },
      { name: 'x', scope: 'org_limited', expiresAt: 'tomorrow' },
      { name: 'x', scope: 'org_limited', rateLimitPerMinute: 0 },
      { name: 'x', scope: 'org_limited', rateLimitPerMinute: 100_001 },
      { name: 'x', scope: 'org_limited', rateLimitPerMinute: 1.5 },
      { name: 'x', scope: 'org_limited', secret: 'mine' },
      { name: 'x', scope: 'org_limited', createdBy: 'someone' },
    ];
    for (const input of bad) {
      await expectTrpcError(caller.keys.create(input as never), 'BAD_REQUEST');
    }
    const unknownField = await expectTrpcError(
      caller.keys.create({ name: 'x', scope: 'org_limited', isLegacy: true } as never),
      'BAD_REQUEST',
    );
    expect(unknownField.cause).toBeInstanceOf(ZodError);
    expect((unknownField.cause as ZodError).issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['isLegacy'],
    });
    expect((await caller.keys.list()).used).toBe(0);
    // The edges are allowed: a 100-character name (counted in characters), limits 1 and 100000.
    remember(
      await caller.keys.create({ name: '🔑'.repeat(100), scope: 'org_limited', rateLimitPerMinute: 1 }),
    );
    remember(await caller.keys.create({ name: 'max', scope: 'org_limited', rateLimitPerMinute: 100_000 }));
    remember(await caller.keys.create({ name: 'default', scope: 'org_limited', rateLimitPerMinute: null }));
  });

  it('is for active admins of the org only', async () => {
    const { org, admin, caller } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id, role: 'member' });
    const memberCaller = app.caller(await sessionRequest(app, member.id));
    await expectTrpcError(
      memberCaller.keys.create({ name: 'x', scope: 'org_limited' }),
      'FORBIDDEN',
      'admin_required',
    );
    await expectTrpcError(memberCaller.keys.list(), 'FORBIDDEN', 'admin_required');
    await expectTrpcError(app.caller().keys.create({ name: 'x', scope: 'org_limited' }), 'UNAUTHORIZED');
    const { secret } = remember(await caller.keys.create({ name: 'k', scope: 'org_full' }));
    await expectTrpcError(
      app.caller(keyRequest(secret)).keys.create({ name: 'x', scope: 'org_limited' }),
      'FORBIDDEN',
      'session_required',
    );
    // A deactivated admin's session stops at once.
    const second = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
    const secondCaller = app.caller(await sessionRequest(app, second.id));
    await app.deps.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, second.id));
    await expectTrpcError(secondCaller.keys.create({ name: 'x', scope: 'org_limited' }), 'UNAUTHORIZED');
    expect((await caller.keys.list()).keys.map((k) => k.createdBy?.id)).toEqual([admin.id]);
  });

  it('holds the 10-key limit, counting legacy and expired keys, with a message to revoke one', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    remember(await importLegacyKey(app.deps, systemActor(org.id), { name: 'old' }));
    remember(
      await caller.keys.create({
        name: 'short-lived',
        scope: 'org_limited',
        expiresAt: new Date(clock.now().getTime() + 1000).toISOString(),
      }),
    );
    clock.advance(2000);
    for (let i = 0; i < KEY_LIMIT_PER_ORG - 2; i++) {
      remember(await caller.keys.create({ name: `k${i}`, scope: 'org_limited' }));
    }
    const list = await caller.keys.list();
    expect(list).toMatchObject({ limit: 10, used: 10 });
    const err = await expectTrpcError(
      caller.keys.create({ name: 'eleventh', scope: 'org_limited' }),
      'CONFLICT',
      'key_limit_reached',
    );
    expect(err.message).toMatch(/revoke/i);
    await expectKeyholeError(
      importLegacyKey(app.deps, systemActor(org.id), { name: 'more' }).then(remember),
      'CONFLICT',
      'key_limit_reached',
    );
    // Revoking frees the slot at once, and only that one.
    await caller.keys.revoke({ id: list.keys[0]!.id });
    remember(await caller.keys.create({ name: 'replacement', scope: 'org_limited' }));
    await expectTrpcError(
      caller.keys.create({ name: 'twelfth', scope: 'org_limited' }),
      'CONFLICT',
      'key_limit_reached',
    );
  });
});

describe('keys.list', () => {
  it('lists the org keys newest first with the slot figures; never revoked keys or other orgs', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const other = await newOrgWithAdmin(app);
    remember(await other.caller.keys.create({ name: 'theirs', scope: 'org_full' }));
    const created = [];
    for (const name of ['first', 'second', 'third']) {
      created.push(remember(await caller.keys.create({ name, scope: 'org_limited' })));
      clock.advance(1000);
    }
    const legacy = remember(await importLegacyKey(app.deps, systemActor(org.id), { name: 'legacy' }));
    await caller.keys.revoke({ id: created[1]!.key.id });
    const list = await caller.keys.list();
    expect(list.limit).toBe(10);
    expect(list.used).toBe(3);
    expect(list.revokedForLeak).toEqual([]);
    expect(list.keys.map((k) => k.name)).toEqual(['legacy', 'third', 'first']);
    expect(list.keys[0]).toMatchObject({
      id: legacy.key.id,
      scope: 'legacy',
      isLegacy: true,
      createdBy: null,
    });
    expect(JSON.stringify(list)).not.toContain('khs_');
    expect(list.keys.every((k) => !('secret' in k))).toBe(true);
  });

  it('shows the issued-to user status so deactivated users stand out', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id });
    remember(await caller.keys.create({ name: 'u', scope: 'user_full', issuedToUserId: member.id }));
    await app.deps.db.update(users).set({ status: 'deactivated' }).where(eq(users.id, member.id));
    const [key] = (await caller.keys.list()).keys;
    expect(key!.issuedTo).toMatchObject({ id: member.id, status: 'deactivated' });
  });
});

describe('keys.rename', () => {
  it('changes the label only; the key keeps working and whoami shows the new name at once', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const { key, secret } = remember(await caller.keys.create({ name: 'Old', scope: 'org_limited' }));
    expect((await whoami(secret)).key.name).toBe('Old');
    const renamed = await caller.keys.rename({ id: key.id, name: '  New name ' });
    expect(renamed).toEqual({ ...key, name: 'New name' });
    expect((await whoami(secret)).key.name).toBe('New name');
    const [event] = await auditFor(app, org.id, 'key.renamed');
    expect(event).toMatchObject({ targetId: key.id, targetName: 'New name' });
    expect(event!.details).toEqual({ previousName: 'Old', name: 'New name' });
  });

  it('refuses legacy keys, revoked, unknown and other-org keys, bad names and extra fields', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const other = await newOrgWithAdmin(app);
    const legacy = remember(await importLegacyKey(app.deps, systemActor(org.id), { name: 'legacy' }));
    const theirs = remember(await other.caller.keys.create({ name: 'theirs', scope: 'org_limited' }));
    const revoked = remember(await caller.keys.create({ name: 'gone', scope: 'org_limited' }));
    const mine = remember(await caller.keys.create({ name: 'mine', scope: 'org_limited' }));
    await caller.keys.revoke({ id: revoked.key.id });
    await expectTrpcError(
      caller.keys.rename({ id: legacy.key.id, name: 'x' }),
      'PRECONDITION_FAILED',
      'legacy_read_only',
    );
    for (const id of [revoked.key.id, theirs.key.id, MISSING_UUID, 'nope']) {
      await expectTrpcError(caller.keys.rename({ id, name: 'x' }), 'NOT_FOUND');
    }
    await expectTrpcError(caller.keys.rename({ id: mine.key.id, name: ' ' }), 'BAD_REQUEST');
    await expectTrpcError(
      caller.keys.rename({ id: mine.key.id, name: 'x', scope: 'org_full' } as never),
      'BAD_REQUEST',
    );
    expect((await other.caller.keys.list()).keys[0]!.name).toBe('theirs');
    expect(await auditFor(app, org.id, 'key.renamed')).toHaveLength(0);
  });
});

describe('keys.regenerate', () => {
  it('without overlap: a new secret, the old one fails at once, everything else kept', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id });
    const created = remember(
      await caller.keys.create({
        name: 'Rotating',
        scope: 'user_full',
        issuedToUserId: member.id,
        expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString(),
        rateLimitPerMinute: 77,
      }),
    );
    await whoami(created.secret);
    clock.advance(5000);
    const regenerated = remember(await caller.keys.regenerate({ id: created.key.id }));
    expect(regenerated.secret).toMatch(KEY_STRING);
    expect(regenerated.secret).not.toBe(created.secret);
    expect(regenerated.secret.split(':')[0]).toBe(created.key.clientKey);
    expect(regenerated.key).toEqual(created.key);
    await expectTrpcError(whoami(created.secret), 'UNAUTHORIZED', 'invalid_key');
    expect((await whoami(regenerated.secret)).key.id).toBe(created.key.id);
    const [event] = await auditFor(app, org.id, 'key.regenerated');
    expect(event!.details).toEqual({ previousSecretValidForSeconds: 0, previousSecretValidUntil: null });
    expectNoSecretsIn(JSON.stringify(await auditFor(app, org.id)), [created.secret, regenerated.secret]);
  });

  it('with overlap: the old secret works until the overlap ends, then fails', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const created = remember(await caller.keys.create({ name: 'Overlap', scope: 'org_limited' }));
    const regenerated = remember(
      await caller.keys.regenerate({ id: created.key.id, previousSecretValidForSeconds: 60 }),
    );
    expect((await whoami(created.secret)).key.id).toBe(created.key.id);
    expect((await whoami(regenerated.secret)).key.id).toBe(created.key.id);
    clock.advance(59_999);
    expect((await whoami(created.secret)).key.id).toBe(created.key.id);
    clock.advance(1);
    await expectTrpcError(whoami(created.secret), 'UNAUTHORIZED', 'invalid_key');
    expect((await whoami(regenerated.secret)).key.id).toBe(created.key.id);
    const [event] = await auditFor(app, org.id, 'key.regenerated');
    expect(event!.details).toMatchObject({ previousSecretValidForSeconds: 60 });
  });

  it('a second regenerate ends an earlier overlap: only the secret just replaced overlaps', async () => {
    const { caller } = await newOrgWithAdmin(app);
    const a = remember(await caller.keys.create({ name: 'Twice', scope: 'org_limited' }));
    const b = remember(await caller.keys.regenerate({ id: a.key.id, previousSecretValidForSeconds: 3600 }));
    await whoami(a.secret);
    await whoami(b.secret);
    const c = remember(await caller.keys.regenerate({ id: a.key.id, previousSecretValidForSeconds: 600 }));
    await expectTrpcError(whoami(a.secret), 'UNAUTHORIZED', 'invalid_key');
    await whoami(b.secret);
    await whoami(c.secret);
    const d = remember(await caller.keys.regenerate({ id: a.key.id }));
    await expectTrpcError(whoami(b.secret), 'UNAUTHORIZED', 'invalid_key');
    await expectTrpcError(whoami(c.secret), 'UNAUTHORIZED', 'invalid_key');
    await whoami(d.secret);
  });

  it('refuses legacy keys, revoked/unknown/other-org ids and overlaps outside 0–86400', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const other = await newOrgWithAdmin(app);
    const legacy = remember(await importLegacyKey(app.deps, systemActor(org.id), { name: 'legacy' }));
    const theirs = remember(await other.caller.keys.create({ name: 'theirs', scope: 'org_limited' }));
    const mine = remember(await caller.keys.create({ name: 'mine', scope: 'org_limited' }));
    await expectTrpcError(
      caller.keys.regenerate({ id: legacy.key.id }),
      'PRECONDITION_FAILED',
      'legacy_read_only',
    );
    await whoami(legacy.secret);
    await expectTrpcError(caller.keys.regenerate({ id: theirs.key.id }), 'NOT_FOUND');
    await whoami(theirs.secret);
    await expectTrpcError(caller.keys.regenerate({ id: MISSING_UUID }), 'NOT_FOUND');
    for (const previousSecretValidForSeconds of [-1, 86_401, 1.5]) {
      await expectTrpcError(
        caller.keys.regenerate({ id: mine.key.id, previousSecretValidForSeconds }),
        'BAD_REQUEST',
      );
    }
    await whoami(mine.secret);
    remember(await caller.keys.regenerate({ id: mine.key.id, previousSecretValidForSeconds: 86_400 }));
    await whoami(mine.secret);
    await caller.keys.revoke({ id: mine.key.id });
    await expectTrpcError(caller.keys.regenerate({ id: mine.key.id }), 'NOT_FOUND');
  });
});

describe('keys.reveal', () => {
  it('returns the current key string and audits every reveal', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const created = remember(await caller.keys.create({ name: 'Copy me', scope: 'org_limited' }));
    expect(await caller.keys.reveal({ id: created.key.id })).toEqual({ secret: created.secret });
    const regenerated = remember(await caller.keys.regenerate({ id: created.key.id }));
    expect(await caller.keys.reveal({ id: created.key.id })).toEqual({ secret: regenerated.secret });
    const events = await auditFor(app, org.id, 'key.revealed');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ targetId: created.key.id, targetName: 'Copy me', details: {} });
    expectNoSecretsIn(JSON.stringify(events), [created.secret, regenerated.secret]);
  });

  it('copies legacy keys, including imported foreign ones', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const foreign = 'acme-live.2019:S3cr3t_value-with.dots';
    minted.add(foreign);
    const imported = await importLegacyKey(app.deps, systemActor(org.id), {
      name: 'foreign',
      keyString: foreign,
    });
    expect(await caller.keys.reveal({ id: imported.key.id })).toEqual({ secret: foreign });
  });

  it('is FORBIDDEN reveal_disabled while allowKeyReveal is false, and not audited', async () => {
    const { org, caller } = await newOrgWithAdmin(app, { allowKeyReveal: false });
    const created = remember(await caller.keys.create({ name: 'Sealed', scope: 'org_limited' }));
    await expectTrpcError(caller.keys.reveal({ id: created.key.id }), 'FORBIDDEN', 'reveal_disabled');
    expect(await auditFor(app, org.id, 'key.revealed')).toHaveLength(0);
    await app.deps.db.update(orgs).set({ allowKeyReveal: true }).where(eq(orgs.id, org.id));
    expect(await caller.keys.reveal({ id: created.key.id })).toEqual({ secret: created.secret });
  });

  it('is NOT_FOUND for revoked, unknown and other-org keys, and admin-only', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const other = await newOrgWithAdmin(app);
    const theirs = remember(await other.caller.keys.create({ name: 'theirs', scope: 'org_limited' }));
    const mine = remember(await caller.keys.create({ name: 'mine', scope: 'org_limited' }));
    await caller.keys.revoke({ id: mine.key.id });
    for (const id of [mine.key.id, theirs.key.id, MISSING_UUID, '']) {
      await expectTrpcError(caller.keys.reveal({ id }), id === '' ? 'BAD_REQUEST' : 'NOT_FOUND');
    }
    const member = await seedUser(app.deps.db, { orgId: org.id });
    await expectTrpcError(
      app.caller(await sessionRequest(app, member.id)).keys.reveal({ id: mine.key.id }),
      'FORBIDDEN',
      'admin_required',
    );
    await expectTrpcError(
      app.caller(keyRequest(theirs.secret)).keys.reveal({ id: theirs.key.id }),
      'FORBIDDEN',
    );
  });
});

describe('keys.revoke', () => {
  it('is immediate even for a cached key, frees the slot and leaves a wiped tombstone', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const created = remember(await caller.keys.create({ name: 'Doomed', scope: 'org_full' }));
    await whoami(created.secret);
    expect(app.deps.keyCache.get(created.key.clientKey)).toBeDefined();
    expect(await caller.keys.revoke({ id: created.key.id })).toEqual({ ok: true });
    await expectTrpcError(whoami(created.secret), 'UNAUTHORIZED', 'invalid_key');
    expect((await caller.keys.list()).used).toBe(0);
    const [row] = await app.deps.db.select().from(apiKeys).where(eq(apiKeys.id, created.key.id));
    expect(row).toMatchObject({
      name: 'Doomed',
      revokedAt: clock.now(),
      secretHash: null,
      secretCiphertext: null,
      previousSecretHash: null,
      previousSecretValidUntil: null,
    });
    const [event] = await auditFor(app, org.id, 'key.revoked');
    expect(event).toMatchObject({ targetId: created.key.id, targetName: 'Doomed' });
  });

  it('wipes a previous secret still in overlap too', async () => {
    const { caller } = await newOrgWithAdmin(app);
    const created = remember(await caller.keys.create({ name: 'Overlapping', scope: 'org_limited' }));
    const next = remember(
      await caller.keys.regenerate({ id: created.key.id, previousSecretValidForSeconds: 3600 }),
    );
    await whoami(created.secret);
    await caller.keys.revoke({ id: created.key.id });
    await expectTrpcError(whoami(created.secret), 'UNAUTHORIZED', 'invalid_key');
    await expectTrpcError(whoami(next.secret), 'UNAUTHORIZED', 'invalid_key');
  });

  it('revokes legacy keys; a revoked key is NOT_FOUND to every procedure', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const legacy = remember(await importLegacyKey(app.deps, systemActor(org.id), { name: 'legacy' }));
    await caller.keys.revoke({ id: legacy.key.id });
    await expectTrpcError(whoami(legacy.secret), 'UNAUTHORIZED', 'invalid_key');
    const id = legacy.key.id;
    await expectTrpcError(caller.keys.revoke({ id }), 'NOT_FOUND');
    await expectTrpcError(caller.keys.rename({ id, name: 'x' }), 'NOT_FOUND');
    await expectTrpcError(caller.keys.regenerate({ id }), 'NOT_FOUND');
    await expectTrpcError(caller.keys.reveal({ id }), 'NOT_FOUND');
    await expectTrpcError(caller.keys.usage({ id }), 'NOT_FOUND');
  });

  it("cannot touch another org's key", async () => {
    const { caller } = await newOrgWithAdmin(app);
    const other = await newOrgWithAdmin(app);
    const theirs = remember(await other.caller.keys.create({ name: 'theirs', scope: 'org_limited' }));
    await expectTrpcError(caller.keys.revoke({ id: theirs.key.id }), 'NOT_FOUND');
    await whoami(theirs.secret);
    expect((await other.caller.keys.list()).used).toBe(1);
  });
});

describe('log hygiene', () => {
  it('no log line of this file holds any secret minted in it', () => {
    expect(minted.size).toBeGreaterThan(40);
    expect(expectNoSecretsIn(app.logs.text(), minted)).toBe(minted.size * 3);
  });
});
