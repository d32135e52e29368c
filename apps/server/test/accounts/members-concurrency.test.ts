import { users } from '@keyhole/api/internal/db/schema';
import { and, count, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { isPostgres } from '../support/test-database';
import { addSignedInMember, signUpOrg } from './account-helpers';

/**
 * Races that only a real multi-connection database can produce: without the org-row lock, two admins
 * demoting (or deactivating) each other at the same moment would both see "another admin remains"
 * and leave the org with none.
 */
let app: TestApp;

beforeAll(async () => {
  if (isPostgres()) app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

async function activeAdmins(orgId: string): Promise<number> {
  const [row] = await app.deps.db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.role, 'admin'), eq(users.status, 'active')));
  return Number(row!.n);
}

async function twoAdmins() {
  const a = await signUpOrg(app);
  const b = await addSignedInMember(app, a.token, { role: 'admin' });
  return { orgId: a.org.id, a: { id: a.user.id, req: a.req }, b: { id: b.user.id, req: b.req } };
}

async function restore(orgId: string, ids: string[]) {
  await app.deps.db
    .update(users)
    .set({ role: 'admin', status: 'active' })
    .where(and(eq(users.orgId, orgId), inArray(users.id, ids)));
}

describe('concurrent admin changes (PostgreSQL)', () => {
  it.skipIf(!isPostgres())(
    'two admins demoting each other at once never leave zero active admins',
    async () => {
      const { orgId, a, b } = await twoAdmins();
      for (let round = 0; round < 20; round++) {
        const results = await Promise.allSettled([
          app.caller(a.req).members.setRole({ userId: b.id, role: 'member' }),
          app.caller(b.req).members.setRole({ userId: a.id, role: 'member' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(['FORBIDDEN', 'PRECONDITION_FAILED']).toContain((refused.reason as { code: string }).code);
        expect(await activeAdmins(orgId)).toBe(1);
        await restore(orgId, [a.id, b.id]);
      }
    },
  );

  it.skipIf(!isPostgres())('two admins stepping down at once: one of them stays admin', async () => {
    const { orgId, a, b } = await twoAdmins();
    for (let round = 0; round < 20; round++) {
      const results = await Promise.allSettled([
        app.caller(a.req).members.setRole({ userId: a.id, role: 'member' }),
        app.caller(b.req).members.setRole({ userId: b.id, role: 'member' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await activeAdmins(orgId)).toBe(1);
      await restore(orgId, [a.id, b.id]);
    }
  });

  it.skipIf(!isPostgres())('two admins deactivating each other at once: one stays active', async () => {
    const { orgId, a, b } = await twoAdmins();
    for (let round = 0; round < 20; round++) {
      const results = await Promise.allSettled([
        app.caller(a.req).members.setStatus({ userId: b.id, status: 'deactivated' }),
        app.caller(b.req).members.setStatus({ userId: a.id, status: 'deactivated' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await activeAdmins(orgId)).toBe(1);
      // Deactivation deleted the loser's sessions: sign both in again for the next round.
      await restore(orgId, [a.id, b.id]);
      const fresh = await Promise.all([a, b].map((x) => sessionRequest(app, x.id)));
      a.req = { cookies: fresh[0]!.cookies };
      b.req = { cookies: fresh[1]!.cookies };
    }
  });
});
