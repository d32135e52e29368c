import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../create-database';
import { idempotencyRecords } from '../schema';

export type IdempotencyRecord = typeof idempotencyRecords.$inferSelect;

/** The answer recorded under `scope` at or after `since`, if any. */
export async function selectRecordSince(
  db: Database,
  scope: Buffer,
  since: Date,
): Promise<IdempotencyRecord | null> {
  const [row] = await db
    .select()
    .from(idempotencyRecords)
    .where(and(eq(idempotencyRecords.scope, scope), gte(idempotencyRecords.createdAt, since)));
  return row ?? null;
}

/** Inserts the record; a row under the same scope is replaced only when it was created before `olderThan`. */
export async function insertRecordOverExpired(
  tx: Database,
  row: IdempotencyRecord,
  olderThan: Date,
): Promise<void> {
  const { scope: _scope, ...rest } = row;
  await tx
    .insert(idempotencyRecords)
    .values(row)
    .onConflictDoUpdate({
      target: idempotencyRecords.scope,
      set: rest,
      setWhere: lt(idempotencyRecords.createdAt, olderThan),
    });
}

/**
 * Deletes up to `limit` records created before `olderThan`, oldest first. Rows other transactions
 * are deleting are skipped (FOR UPDATE SKIP LOCKED), never waited for.
 */
export async function deleteExpiredRecords(tx: Database, olderThan: Date, limit: number): Promise<void> {
  const expired = tx
    .select({ scope: idempotencyRecords.scope })
    .from(idempotencyRecords)
    .where(lt(idempotencyRecords.createdAt, olderThan))
    .orderBy(idempotencyRecords.createdAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  await tx.delete(idempotencyRecords).where(inArray(idempotencyRecords.scope, expired));
}

/**
 * The scope's transaction-level advisory lock, without waiting (`pg_try_advisory_xact_lock`): false
 * when another transaction holds it. Its 64-bit id is the scope's first 8 bytes.
 */
export async function tryLockScope(tx: Database, scope: Buffer): Promise<boolean> {
  const id = scope.readBigInt64BE(0).toString();
  const [row] = await tx
    .select({ locked: sql<boolean>`pg_try_advisory_xact_lock(${id}::bigint)` })
    .from(sql`(select 1) as one`);
  return row?.locked === true;
}
