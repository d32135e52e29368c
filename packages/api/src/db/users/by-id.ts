import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { users } from '../schema';
import type { UserRow } from './members';

/** The user with this id, or undefined. */
export async function selectUserById(db: Database, userId: string): Promise<UserRow | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  return user;
}
