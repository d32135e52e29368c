import type { OrgSettings } from '@keyhole/core';
import { toOrgView } from '../../auth/org-view';
import { updateOrgSettingsRow } from '../../db/orgs/settings';
import type { AppDeps } from '../../deps';
import type { SessionActor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';

export type SettingsPatch = Partial<OrgSettings>;

/**
 * Changes the org's privacy settings. Keys read them on every request (through caches that hear the
 * published change), so e.g. org_full keys stop seeing private meetings at once. A patch that
 * changes nothing is answered without an audit event.
 */
export async function updateOrgSettings(
  deps: AppDeps,
  actor: SessionActor,
  patch: SettingsPatch,
  write?: IdempotentWrite,
): Promise<OrgSettings> {
  return audited(
    deps,
    actor,
    async (tx, audit, { org, publish }) => {
      const before = toOrgView(org).settings;
      const after: OrgSettings = {
        orgFullKeysIncludePrivate: patch.orgFullKeysIncludePrivate ?? before.orgFullKeysIncludePrivate,
        allowKeyReveal: patch.allowKeyReveal ?? before.allowKeyReveal,
        leakedKeyAction: patch.leakedKeyAction ?? before.leakedKeyAction,
      };
      const differs =
        after.orgFullKeysIncludePrivate !== before.orgFullKeysIncludePrivate ||
        after.allowKeyReveal !== before.allowKeyReveal ||
        after.leakedKeyAction !== before.leakedKeyAction;
      if (!differs) return before;
      await updateOrgSettingsRow(tx, org.id, after);
      await audit('org.settings_updated', { type: 'org', id: org.id, name: org.name }, { before, after });
      publish({ kind: 'org', id: actor.orgId });
      return after;
    },
    { write, lockOrg: true },
  );
}
