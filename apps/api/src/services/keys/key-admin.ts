import type { AuditActor, RequestOrigin } from '../audit/record-audit';

/** Who is changing keys, for every key use case: the org they act in, the audit actor, the request. */
export interface KeyAdmin {
  orgId: string;
  actor: AuditActor;
  origin: RequestOrigin | null;
}

export const keyTarget = (key: { id: string; name: string }) => ({
  type: 'api_key',
  id: key.id,
  name: key.name,
});
