import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../create-database';
import { users } from '../schema';

/** The org's users whose email, lower-cased by the database, is one of `lowerEmails`. */
export async function orgUsersByLowerEmail(
  db: Database,
  orgId: string,
  lowerEmails: readonly string[],
): Promise<{ id: string; email: string; name: string }[]> {
  return db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(and(eq(users.orgId, orgId), inArray(sql`lower(${users.email})`, [...lowerEmails])));
}
