import { expectTrpcError } from '@keyhole/testing/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor, keyRequest } from '../support/keys';
import { seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { newOrgWithAdmin } from './key-test-helpers';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

const mine = async (userId: string) => app.caller(await sessionRequest(app, userId)).keys.mine();

describe('keys.mine', () => {
  it("lists the caller's active keys, newest first, with no secret or client key", async () => {
    const { org, admin, caller } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id });
    const other = await seedUser(app.deps.db, { orgId: org.id });
    const expiresAt = new Date(app.deps.clock.now().getTime() + 86_400_000).toISOString();
    const first = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'user_limited',
      issuedToUserId: member.id,
      name: 'Zapier',
      expiresAt,
    });
    const second = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'user_full',
      issuedToUserId: member.id,
      name: 'Notes sync',
    });
    const revoked = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'user_limited',
      issuedToUserId: member.id,
      name: 'Old',
    });
    await caller.keys.revoke({ id: revoked.id });
    await createKeyFor(app, { adminUserId: admin.id, scope: 'user_limited', issuedToUserId: other.id });
    await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });

    const { keys } = await mine(member.id);
    expect(keys.map((k) => k.id).sort()).toEqual([first.id, second.id].sort());
    const zapier = keys.find((k) => k.id === first.id)!;
    expect(zapier).toEqual({
      id: first.id,
      name: 'Zapier',
      scope: 'user_limited',
      createdAt: expect.any(String),
      lastUsedAt: null,
      expiresAt,
    });
    const text = JSON.stringify(keys);
    for (const k of [first, second]) {
      expect(text).not.toContain(k.clientKey);
      expect(text).not.toContain(k.keyString.split(':')[1]);
    }
    // An admin sees only keys issued to them too: org keys are issued to no one.
    expect((await mine(admin.id)).keys).toEqual([]);
  });

  it('shows a use as lastUsedAt before the usage is written', async () => {
    const { org, admin } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id });
    const k = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'user_limited',
      issuedToUserId: member.id,
    });
    await app.caller(keyRequest(k.keyString)).whoami();
    const [view] = (await mine(member.id)).keys;
    expect(view!.lastUsedAt).toBe(app.deps.clock.now().toISOString());
  });

  it('keeps to the caller: keys issued to nobody, to others or in another org never show', async () => {
    const a = await newOrgWithAdmin(app);
    const b = await newOrgWithAdmin(app);
    const memberA = await seedUser(app.deps.db, { orgId: a.org.id });
    await createKeyFor(app, { adminUserId: a.admin.id, scope: 'user_full', issuedToUserId: memberA.id });
    expect((await mine(b.admin.id)).keys).toEqual([]);
  });

  it('is for sessions: a key is FORBIDDEN session_required, no credentials UNAUTHORIZED', async () => {
    const { org, admin } = await newOrgWithAdmin(app);
    const member = await seedUser(app.deps.db, { orgId: org.id });
    const k = await createKeyFor(app, {
      adminUserId: admin.id,
      scope: 'user_full',
      issuedToUserId: member.id,
    });
    await expectTrpcError(app.caller(keyRequest(k.keyString)).keys.mine(), 'FORBIDDEN', 'session_required');
    await expectTrpcError(app.caller({}).keys.mine(), 'UNAUTHORIZED');
  });
});
