import type { Database } from '../create-database';
import { sessions } from '../schema';

export type NewSessionRow = typeof sessions.$inferInsert;

/** Inserts one session row (the token's hash, never the token). */
export async function insertSession(db: Database, row: NewSessionRow): Promise<void> {
  await db.insert(sessions).values(row);
}
