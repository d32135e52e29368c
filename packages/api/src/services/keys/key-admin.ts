import type { Authority } from '../../auth/authority';
import type { AuditActor, RequestOrigin } from '../audit/record-audit';

/** Who is changing keys, for every key use case: the org they act in, the audit actor, the request. */
export interface KeyAdmin {
  orgId: string;
  actor: AuditActor;
  origin: RequestOrigin | null;
  /**
   * What the request was authorised as, re-checked in the use case's transaction (lockActor).
   * Omitted only by in-process callers with nothing to re-check (CLI, seeds, tests): the system.
   */
  authority?: Authority;
}

export const keyTarget = (key: { id: string; name: string }) => ({
  type: 'api_key',
  id: key.id,
  name: key.name,
});
