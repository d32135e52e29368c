import { KeyholeError } from '@keyhole/core';
import type { Database } from '../../db';
import { countOtherActiveAdmins, selectMemberOfOrg } from '../../db/users/members';

/** A user of this org, or NOT_FOUND exactly as for an id that does not exist (ids of other orgs included). */
export async function memberOfOrg(tx: Database, orgId: string, userId: string) {
  const user = await selectMemberOfOrg(tx, orgId, userId);
  if (!user) throw new KeyholeError('NOT_FOUND', 'No such member in your organization.');
  return user;
}

/** Active admins of the org other than `userId`. Call it with the org row locked. */
export async function otherActiveAdmins(tx: Database, orgId: string, userId: string): Promise<number> {
  return countOtherActiveAdmins(tx, orgId, userId);
}

export const lastAdminError = (what: string) =>
  new KeyholeError(
    'PRECONDITION_FAILED',
    `Cannot ${what} the last active admin: make another member an admin first.`,
    'last_admin',
  );
