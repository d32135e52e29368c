import type { AuditAction } from '@keyhole/core';
import { and, desc, eq, gte, lt, or } from 'drizzle-orm';
import type { Database } from '../create-database';
import { auditEvents } from '../schema';

export type AuditEventRow = typeof auditEvents.$inferSelect;

export interface AuditPageQuery {
  /** Rows to return; the caller asks for one more than it shows to learn whether a next page exists. */
  limit: number;
  action?: AuditAction | undefined;
  /** The acting user's id (audit_org_actor_at_idx). */
  actorId?: string | undefined;
  /** Inclusive. */
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
  /** Keyset position: the `at` and `id` of the last event of the previous page. */
  after?: { at: Date; id: string } | null | undefined;
}

/**
 * The org's audit events, newest first, by keyset on (at, id): the indexes audit_org_at_idx /
 * audit_org_action_at_idx / audit_org_actor_at_idx serve it, and events added meanwhile never shift a page.
 */
export async function selectAuditPage(
  db: Database,
  orgId: string,
  q: AuditPageQuery,
): Promise<AuditEventRow[]> {
  const after = q.after;
  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.orgId, orgId),
        q.action ? eq(auditEvents.action, q.action) : undefined,
        q.actorId ? eq(auditEvents.actorId, q.actorId.toLowerCase()) : undefined,
        q.from ? gte(auditEvents.at, q.from) : undefined,
        q.to ? lt(auditEvents.at, q.to) : undefined,
        after
          ? or(lt(auditEvents.at, after.at), and(eq(auditEvents.at, after.at), lt(auditEvents.id, after.id)))
          : undefined,
      ),
    )
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(q.limit);
}
