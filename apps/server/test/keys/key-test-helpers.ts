import { auditEvents } from '@keyhole/api/internal/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { seedOrg, seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import type { TestApp } from '../support/test-app';

/** A fresh org with one active admin, signed in. */
export async function newOrgWithAdmin(
  app: TestApp,
  orgOpts: { orgFullKeysIncludePrivate?: boolean; allowKeyReveal?: boolean } = {},
) {
  const org = await seedOrg(app.deps.db, orgOpts);
  const admin = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
  const session = await sessionRequest(app, admin.id);
  return { org, admin, session, caller: app.caller(session) };
}

export async function auditFor(app: TestApp, orgId: string, action?: string) {
  return app.deps.db
    .select()
    .from(auditEvents)
    .where(
      action
        ? and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action))
        : eq(auditEvents.orgId, orgId),
    )
    .orderBy(asc(auditEvents.at), asc(auditEvents.id));
}

/**
 * Every form a key string could leak in: the whole string, its secret part, and the Basic encodings.
 * Client keys are public and not searched for.
 */
function leakForms(keyString: string): string[] {
  const secret = keyString.slice(keyString.indexOf(':') + 1);
  return [keyString, secret, Buffer.from(keyString).toString('base64')];
}

export function expectNoSecretsIn(text: string, keyStrings: Iterable<string>): number {
  let searched = 0;
  for (const keyString of keyStrings) {
    for (const form of leakForms(keyString)) {
      searched++;
      expect(text.includes(form), `a log line holds a minted secret (${form.slice(0, 6)}…)`).toBe(false);
    }
  }
  return searched;
}
