import type { OrgSettings } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import type { SessionAuthority } from '../../auth/authority';
import { toOrgView } from '../../auth/org-view';
import { orgs } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { type RequestOrigin, recordAudit, userActor } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { lockOrgForAdmin } from './lock-org-for-admin';

export type SettingsPatch = Partial<OrgSettings>;

/**
 * Changes the org's privacy settings. Keys read them on every request (through caches that hear the
 * published change), so e.g. org_full keys stop seeing private meetings at once. A patch that
 * changes nothing is answered without an audit event.
 */
export async function updateOrgSettings(
  deps: AppDeps,
  actor: SessionAuthority,
  patch: SettingsPatch,
  origin: RequestOrigin,
  write?: IdempotentWrite,
): Promise<OrgSettings> {
  const now = deps.clock.now();
  const { settings, changed } = await mutationTransaction(
    deps.db,
    write,
    async (tx) => {
      const { org, actor: admin } = await lockOrgForAdmin(tx, actor, now);
      const before = toOrgView(org).settings;
      const after: OrgSettings = {
        orgFullKeysIncludePrivate: patch.orgFullKeysIncludePrivate ?? before.orgFullKeysIncludePrivate,
        allowKeyReveal: patch.allowKeyReveal ?? before.allowKeyReveal,
      };
      const differs =
        after.orgFullKeysIncludePrivate !== before.orgFullKeysIncludePrivate ||
        after.allowKeyReveal !== before.allowKeyReveal;
      if (!differs) return { settings: before, changed: false };
      await tx.update(orgs).set(after).where(eq(orgs.id, org.id));
      await recordAudit(tx, {
        orgId: org.id,
        at: now,
        actor: userActor(admin),
        action: 'org.settings_updated',
        target: { type: 'org', id: org.id, name: org.name },
        details: { before, after },
        origin,
      });
      return { settings: after, changed: true };
    },
    (result) => result.settings,
  );
  if (changed) await deps.changes.publish({ kind: 'org', id: actor.orgId });
  return settings;
}
