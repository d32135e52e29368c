import type { OrgSettings } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { orgs } from '../schema';

/** Whether the org lets admins copy a key's full string again; undefined when there is no such org. */
export async function selectAllowKeyReveal(tx: Database, orgId: string): Promise<boolean | undefined> {
  const [org] = await tx.select({ allowKeyReveal: orgs.allowKeyReveal }).from(orgs).where(eq(orgs.id, orgId));
  return org?.allowKeyReveal;
}

/** What the org does with a leaked key, read under the key's lock. */
export async function selectLeakedKeyAction(tx: Database, orgId: string) {
  const [row] = await tx
    .select({ leakedKeyAction: orgs.leakedKeyAction })
    .from(orgs)
    .where(eq(orgs.id, orgId));
  return row?.leakedKeyAction;
}

/** Writes the org's privacy settings. */
export async function updateOrgSettingsRow(
  tx: Database,
  orgId: string,
  settings: OrgSettings,
): Promise<void> {
  await tx.update(orgs).set(settings).where(eq(orgs.id, orgId));
}
