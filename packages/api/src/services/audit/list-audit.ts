import { selectAuditPage } from '../../db/audit/audit-page';
import type { AppDeps } from '../../deps';
import { keysetPage } from '../../lib/keyset-page';
import type { Actor } from '../actor';
import { type AuditFilters, decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import { type AuditEventView, toAuditEventView } from './views';

export interface ListAuditInput extends AuditFilters {
  cursor?: string | undefined;
  limit: number;
}

/**
 * One page of the org's audit log, newest first, by keyset on (at, id): the indexes
 * audit_org_at_idx / audit_org_action_at_idx / audit_org_actor_at_idx serve it, and events added
 * meanwhile never shift a page. `from` is inclusive, `to` exclusive.
 */
export async function listAudit(
  deps: AppDeps,
  actor: Actor,
  input: ListAuditInput,
): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
  const filters: AuditFilters = {
    action: input.action,
    actorId: input.actorId,
    from: input.from,
    to: input.to,
  };
  const key = deps.keyring.cursorHmac;
  const after = input.cursor === undefined ? null : decodeAuditCursor(key, filters, input.cursor);
  const rows = await selectAuditPage(deps.db, actor.orgId, { ...filters, limit: input.limit + 1, after });
  const { page, nextCursor } = keysetPage(rows, input.limit, (c) => encodeAuditCursor(key, filters, c));
  return { items: page.map(toAuditEventView), nextCursor };
}
