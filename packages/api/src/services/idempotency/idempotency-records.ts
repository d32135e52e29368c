import { IDEMPOTENCY_WINDOW_MS } from '@keyhole/core';
import type { Database } from '../../db';
import {
  deleteExpiredRecords,
  type IdempotencyRecord,
  insertRecordOverExpired,
  selectRecordSince,
} from '../../db/idempotency/records';

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
  return selectRecordSince(db, scope, windowStart(now));
}

/**
 * Stores an answer in the mutation's own transaction. A row left under the same scope from an earlier
 * window is replaced; a live one cannot exist, since the caller holds the scope's advisory lock and
 * found none after taking it.
 */
export async function insertRecord(tx: Database, row: IdempotencyRecord): Promise<void> {
  await insertRecordOverExpired(tx, row, windowStart(row.createdAt));
  await deleteExpiredRecords(tx, windowStart(row.createdAt), EXPIRED_ROWS_PER_WRITE);
}
