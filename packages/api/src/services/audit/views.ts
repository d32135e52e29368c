import type { AuditEventRow } from '../../db/audit/audit-page';

/** `AuditEvent` of SPEC §3 on the wire. */
export interface AuditEventView {
  id: string;
  at: string;
  actor: { type: 'user' | 'system'; id: string | null; email: string | null } | null;
  action: string;
  target: { type: string; id: string | null; name: string | null } | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

export function toAuditEventView(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actorType ? { type: row.actorType, id: row.actorId, email: row.actorEmail } : null,
    action: row.action,
    target: row.targetType ? { type: row.targetType, id: row.targetId, name: row.targetName } : null,
    details: row.details,
    ip: row.ip,
    userAgent: row.userAgent,
  };
}
