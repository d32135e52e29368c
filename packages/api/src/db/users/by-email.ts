import { eq, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../create-database';
import { orgs, users } from '../schema';

/** Emails compare case-insensitively through `lower()`, the expression the unique index is built on. */
export function emailEquals(email: string): SQL {
  return sql`lower(${users.email}) = lower(${email})`;
}

/** The user (with their org) whose email this is, whatever its case; null when there is none. */
export async function findUserByEmail(db: Database, email: string) {
  const [row] = await db
    .select({ user: users, org: orgs })
    .from(users)
    .innerJoin(orgs, eq(orgs.id, users.orgId))
    .where(emailEquals(email))
    .limit(1);
  return row ?? null;
}

export async function isEmailTaken(db: Database, email: string): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(emailEquals(email)).limit(1);
  return row !== undefined;
}

/**
 * The user an email signs in as, and the email as the database normalises it (`lower()`), in one
 * statement: sign-in limits are keyed on what the database would match, not on JavaScript's idea
 * of case (`'İ'.toLowerCase()` is two code points; PostgreSQL's lower() gives `i`).
 */
export async function findSignInAccount(db: Database, email: string) {
  const [row] = await db
    .select({ normalisedEmail: sql<string>`lower(${email})`, user: users, org: orgs })
    .from(sql`(select 1) as probe`)
    .leftJoin(users, emailEquals(email))
    .leftJoin(orgs, eq(orgs.id, users.orgId))
    .limit(1);
  const normalisedEmail = row?.normalisedEmail ?? email.toLowerCase();
  return {
    normalisedEmail,
    found: row?.user && row.org ? { user: row.user, org: row.org } : null,
  };
}
