import type { Database } from '../create-database';
import { auditEvents } from '../schema';

export type NewAuditEventRow = typeof auditEvents.$inferInsert;

/** Inserts one audit event row; `recordAudit` is the only caller and says what goes in it. */
export async function insertAuditEvent(tx: Database, row: NewAuditEventRow): Promise<void> {
  await tx.insert(auditEvents).values(row);
}
