import { KeyholeError } from '@keyhole/core';
import { lockActor } from '../../auth/lock-actor';
import type { Database } from '../../db';
import { lockOrgRow, type OrgRow } from '../../db/orgs/lock-org';
import type { Actor } from '../actor';

/**
 * The one org lock (taken by `audited` when a unit asks for it): the org row `SELECT … FOR NO KEY
 * UPDATE` (FOR UPDATE minus the key-share conflict, so the foreign-key checks of other transactions'
 * inserts — audit events, meetings — never wait for it, and a transaction holding its actor's row
 * FOR SHARE can always finish) for the rest of the transaction, then the actor re-checked under it
 * (`lockActor`, FOR SHARE). Every change to roles, statuses or settings, and every key insert (the
 * 10-key limit), goes through here, so such changes in one org run one after another: two admins
 * demoting each other at once cannot both pass the "another active admin remains" check, concurrent
 * creates and imports each count the others' keys, and one who lost admin rights, or whose session
 * ended, a moment ago fails as a fresh request would. The org row comes first so no transaction
 * waits for it while holding a user row.
 */
export async function lockOrg(tx: Database, actor: Actor, now: Date): Promise<OrgRow> {
  const org = await lockOrgRow(tx, actor.orgId);
  // A session or key authority names rows of this org, so a missing org fails the re-check first.
  await lockActor(tx, actor.authority, now);
  if (!org) throw new KeyholeError('NOT_FOUND', 'No such organization.');
  return org;
}
