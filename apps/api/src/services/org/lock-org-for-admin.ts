import { KeyholeError } from '@keyhole/core';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/create-database';
import { orgs, users } from '../../db/schema';

/**
 * Takes the org row's lock (`SELECT … FOR UPDATE`) for the rest of the transaction, then re-reads the
 * acting admin under it. Every change to roles, statuses or settings goes through here, so such
 * changes in one org run one after another: two admins demoting each other at once cannot both pass
 * the "another active admin remains" check, and one who lost admin rights a moment ago cannot act.
 */
export async function lockOrgForAdmin(tx: Database, orgId: string, actorId: string) {
  const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).for('update');
  const [actor] = await tx
    .select()
    .from(users)
    .where(and(eq(users.id, actorId), eq(users.orgId, orgId)))
    .limit(1);
  if (!org || !actor || actor.status !== 'active' || actor.role !== 'admin') {
    throw new KeyholeError('FORBIDDEN', 'Only org admins can do this.', 'admin_required');
  }
  return { org, actor };
}
