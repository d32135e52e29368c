import type { Database } from '../create-database';
import { orgs } from '../schema';

export type OrgRow = typeof orgs.$inferSelect;
export type NewOrgRow = typeof orgs.$inferInsert;

/** Inserts one org and returns its row. */
export async function insertOrg(tx: Database, row: NewOrgRow): Promise<OrgRow> {
  const [org] = await tx.insert(orgs).values(row).returning();
  return org!;
}
