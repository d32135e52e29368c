import type { Scope } from '@keyhole/core';
import { createKeyFor } from '../support/keys';
import { seedOrgWithAdmin, seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import type { TestApp } from '../support/test-app';

/**
 * The webhook suites' org: an admin (Ada), a member (Hana) who hosts the meetings, both signed in,
 * and a key the admin made: `org_limited`, or `user_limited` issued to Hana.
 */
export async function webhookTeam(app: TestApp, scope: Extract<Scope, 'org_limited' | 'user_limited'>) {
  const db = app.deps.db;
  const { org, tag, admin } = await seedOrgWithAdmin(db);
  const host = await seedUser(db, { orgId: org.id, name: 'Hana', email: `hana-${tag}@example.test` });
  const key = await createKeyFor(app, {
    adminUserId: admin.id,
    scope,
    ...(scope === 'user_limited' ? { issuedToUserId: host.id } : {}),
  });
  return {
    org,
    admin,
    host,
    key,
    hostSession: await sessionRequest(app, host.id),
    adminSession: await sessionRequest(app, admin.id),
  };
}
