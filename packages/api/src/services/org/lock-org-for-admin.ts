import { adminRequiredError, type SessionAuthority } from '../../auth/authority';
import { lockActor } from '../../auth/lock-actor';
import type { Database } from '../../db';
import { lockOrgRow } from '../../db/orgs/lock-org';

/**
 * Takes the org row's lock (`SELECT … FOR NO KEY UPDATE`: FOR UPDATE minus the key-share conflict,
 * so the foreign-key checks of other transactions' inserts — audit events, meetings — never wait
 * for it, and a transaction holding its actor's row FOR SHARE can always finish) for the rest of the transaction, then re-checks
 * the acting admin's session and user row under it (`lockActor`, FOR SHARE). Every change to roles,
 * statuses or settings goes through here, so such changes in one org run one after another: two
 * admins demoting each other at once cannot both pass the "another active admin remains" check, and
 * one who lost admin rights, or whose session ended, a moment ago fails as a fresh request would.
 * The org row comes first so no transaction waits for it while holding a user row.
 */
export async function lockOrgForAdmin(tx: Database, authority: SessionAuthority, now: Date) {
  const org = await lockOrgRow(tx, authority.orgId);
  const actor = await lockActor(tx, { ...authority, asAdmin: true }, now);
  if (!org) throw adminRequiredError();
  return { org, actor };
}
