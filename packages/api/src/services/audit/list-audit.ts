import type { AuditAction } from '@keyhole/core';
import { selectAuditPage } from '../../db/audit/audit-page';
import type { AppDeps } from '../../deps';
import { keysetPage } from '../../lib/keyset-page';
import type { Actor } from '../actor';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import { type AuditEventView, toAuditEventView } from './views';

export interface ListAuditInput {
  cursor?: string;
  limit: number;
  action?: AuditAction;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/**
 * One page of the org's audit log, newest first, by keyset on (at, id): the indexes
 * audit_org_at_idx / audit_org_action_at_idx serve it, and events added meanwhile never shift a page.
 */
export async function listAudit(
  deps: AppDeps,
  actor: Actor,
  input: ListAuditInput,
): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
  const after = input.cursor === undefined ? null : decodeAuditCursor(input.cursor);
  const rows = await selectAuditPage(deps.db, actor.orgId, {
    limit: input.limit + 1,
    action: input.action,
    from: input.from,
    to: input.to,
    after,
  });
  const { page, nextCursor } = keysetPage(rows, input.limit, encodeAuditCursor);
  return { items: page.map(toAuditEventView), nextCursor };
}
