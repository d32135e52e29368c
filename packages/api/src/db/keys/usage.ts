import { and, between, eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { keyUsageDaily } from '../schema';

/** The stored calls per UTC day (`YYYY-MM-DD`) of a key from `firstDay` to `lastDay`, both included. */
export async function selectDailyUsage(
  db: Database,
  keyId: string,
  firstDay: string,
  lastDay: string,
): Promise<{ day: string; requests: number }[]> {
  return db
    .select({ day: keyUsageDaily.day, requests: keyUsageDaily.requests })
    .from(keyUsageDaily)
    .where(and(eq(keyUsageDaily.keyId, keyId), between(keyUsageDaily.day, firstDay, lastDay)));
}
