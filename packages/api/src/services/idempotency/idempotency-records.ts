import { IDEMPOTENCY_WINDOW_MS } from '@keyhole/core';
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db';
import { idempotencyRecords } from '../../db/schema';

export type IdempotencyRecord = typeof idempotencyRecords.$inferSelect;

// Each recorded mutation deletes at most this many expired rows: the table stays about one window
// of traffic large without a timer, and no request pays for a backlog.
const EXPIRED_ROWS_PER_WRITE = 10;

export function windowStart(now: Date): Date {
  return new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS);
}

/** The answer recorded under `scope` within the last 24 hours, if any. */
export async function findLiveRecord(
  db: Database,
  scope: Buffer,
  now: Date,
): Promise<IdempotencyRecord | null> {
  const [row] = await db
    .select()
    .from(idempotencyRecords)
    .where(and(eq(idempotencyRecords.scope, scope), gte(idempotencyRecords.createdAt, windowStart(now))));
  return row ?? null;
}

/**
 * Stores an answer in the mutation's own transaction. A row left under the same scope from an earlier
 * window is replaced; a live one cannot exist, since the caller holds the scope's advisory lock and
 * found none after taking it.
 */
export async function insertRecord(tx: Database, row: IdempotencyRecord): Promise<void> {
  const { scope: _scope, ...rest } = row;
  await tx
    .insert(idempotencyRecords)
    .values(row)
    .onConflictDoUpdate({
      target: idempotencyRecords.scope,
      set: rest,
      setWhere: lt(idempotencyRecords.createdAt, windowStart(row.createdAt)),
    });
  // Rows other transactions are deleting are skipped, never waited for.
  const expired = tx
    .select({ scope: idempotencyRecords.scope })
    .from(idempotencyRecords)
    .where(lt(idempotencyRecords.createdAt, windowStart(row.createdAt)))
    .orderBy(idempotencyRecords.createdAt)
    .limit(EXPIRED_ROWS_PER_WRITE)
    .for('update', { skipLocked: true });
  await tx.delete(idempotencyRecords).where(inArray(idempotencyRecords.scope, expired));
}

/**
 * The scope's transaction-level advisory lock, without waiting: false when another transaction
 * (this process or another one) is running the same request right now. Its 64-bit id is the scope's
 * first 8 bytes; a collision between two live scopes only makes one of them answer "in progress".
 */
export async function tryLockScope(tx: Database, scope: Buffer): Promise<boolean> {
  const id = scope.readBigInt64BE(0).toString();
  const [row] = await tx
    .select({ locked: sql<boolean>`pg_try_advisory_xact_lock(${id}::bigint)` })
    .from(sql`(select 1) as one`);
  return row?.locked === true;
}
