import type { Database } from '../create-database';
import { users } from '../schema';
import type { UserRow } from './members';

export type NewUserRow = typeof users.$inferInsert;

/** Inserts one user and returns its row (the unique index on lower(email) may refuse it). */
export async function insertUserRow(tx: Database, row: NewUserRow): Promise<UserRow> {
  const [user] = await tx.insert(users).values(row).returning();
  return user!;
}
