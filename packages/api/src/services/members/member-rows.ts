import { KeyholeError } from '@keyhole/core';
import type { Database } from '../../db';
import { countOtherActiveAdmins, selectMemberOfOrg } from '../../db/users/members';

/** A user of this org, or NOT_FOUND exactly as for an id that does not exist (ids of other orgs included). */
export async function memberOfOrg(tx: Database, orgId: string, userId: string) {
  const user = await selectMemberOfOrg(tx, orgId, userId);
  if (!user) throw new KeyholeError('NOT_FOUND', 'No such member in your organization.');
  return user;
}

/**
 * Refuses a change that would take away the org's last active admin (`losesActiveAdmin`: the target
 * is one now and would not be after). Call it with the org row locked, so two admins cannot demote
 * each other at once.
 */
export async function keepAnActiveAdmin(
  tx: Database,
  orgId: string,
  target: { id: string },
  losesActiveAdmin: boolean,
  what: 'demote' | 'deactivate',
): Promise<void> {
  if (losesActiveAdmin && (await countOtherActiveAdmins(tx, orgId, target.id)) === 0) {
    throw new KeyholeError(
      'PRECONDITION_FAILED',
      `Cannot ${what} the last active admin: make another member an admin first.`,
      'last_admin',
    );
  }
}
