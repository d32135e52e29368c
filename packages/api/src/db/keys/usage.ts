import { and, between, eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { keyUsageDaily } from '../schema';

/**
 * The stored calls per UTC day (`YYYY-MM-DD`) of a key from `firstDay` to `lastDay`, both included:
 * every call (`requests`) and those that did not succeed, by outcome.
 */
export async function selectDailyUsage(
  db: Database,
  keyId: string,
  firstDay: string,
  lastDay: string,
): Promise<
  { day: string; requests: number; clientErrors: number; rateLimited: number; serverErrors: number }[]
> {
  return db
    .select({
      day: keyUsageDaily.day,
      requests: keyUsageDaily.requests,
      clientErrors: keyUsageDaily.clientErrors,
      rateLimited: keyUsageDaily.rateLimited,
      serverErrors: keyUsageDaily.serverErrors,
    })
    .from(keyUsageDaily)
    .where(and(eq(keyUsageDaily.keyId, keyId), between(keyUsageDaily.day, firstDay, lastDay)));
}
