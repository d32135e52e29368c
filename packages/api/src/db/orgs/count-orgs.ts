import { count } from 'drizzle-orm';
import type { Database } from '../create-database';
import { orgs } from '../schema';

/** How many orgs the database holds. */
export async function countOrgs(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(orgs);
  return Number(row?.n ?? 0);
}
