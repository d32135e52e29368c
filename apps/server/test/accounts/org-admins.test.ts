import { expectTrpcError } from '@keyhole/testing/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor, keyRequest } from '../support/keys';
import { seedOrg, seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

const adminsAs = async (userId: string) => app.caller(await sessionRequest(app, userId)).org.admins();

describe('org.admins', () => {
  it("names the org's active admins (name and email only), by name, for members and admins", async () => {
    const org = await seedOrg(app.deps.db);
    const zoe = await seedUser(app.deps.db, { orgId: org.id, role: 'admin', name: 'Zoe Admin' });
    const ann = await seedUser(app.deps.db, { orgId: org.id, role: 'admin', name: 'Ann Admin' });
    await seedUser(app.deps.db, { orgId: org.id, role: 'admin', name: 'Gone Admin', status: 'deactivated' });
    const member = await seedUser(app.deps.db, { orgId: org.id, name: 'Mo Member' });
    const other = await seedOrg(app.deps.db);
    await seedUser(app.deps.db, { orgId: other.id, role: 'admin', name: 'Other Admin' });

    const expected = [
      { name: 'Ann Admin', email: ann.email },
      { name: 'Zoe Admin', email: zoe.email },
    ];
    expect(await adminsAs(member.id)).toEqual(expected);
    expect(await adminsAs(zoe.id)).toEqual(expected);
  });

  it('follows role changes at once', async () => {
    const org = await seedOrg(app.deps.db);
    const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin', name: 'First' });
    const member = await seedUser(app.deps.db, { orgId: org.id, name: 'Second' });
    await app
      .caller(await sessionRequest(app, admin.id))
      .members.setRole({ userId: member.id, role: 'admin' });
    expect((await adminsAs(member.id)).map((a) => a.name)).toEqual(['First', 'Second']);
  });

  it('is for sessions: a key is FORBIDDEN session_required, no credentials UNAUTHORIZED', async () => {
    const org = await seedOrg(app.deps.db);
    const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
    const k = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full' });
    await expectTrpcError(app.caller(keyRequest(k.keyString)).org.admins(), 'FORBIDDEN', 'session_required');
    await expectTrpcError(app.caller({}).org.admins(), 'UNAUTHORIZED');
  });
});
