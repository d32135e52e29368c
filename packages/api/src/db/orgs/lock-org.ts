import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { orgs } from '../schema';

export type OrgRow = typeof orgs.$inferSelect;

/**
 * The org row, locked `FOR NO KEY UPDATE` for the rest of the transaction (see services/org/lock-org.ts
 * for why that strength); undefined when there is no such org.
 */
export async function lockOrgRow(tx: Database, orgId: string): Promise<OrgRow | undefined> {
  const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).for('no key update');
  return org;
}
