import { checkMutable, normalizeKeyName, unwrapPolicy } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import { SYSTEM_AUTHORITY } from '../../auth/authority';
import { lockActor } from '../../auth/lock-actor';
import { apiKeys } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { recordAudit } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { type KeyAdmin, keyTarget } from './key-admin';
import { lockActiveKey } from './lock-active-key';
import { type KeyView, selectKeyViews } from './views';

/** Changes the label only; the credential keeps working. Legacy keys are read-only. */
export async function renameKey(
  deps: AppDeps,
  admin: KeyAdmin,
  input: { id: string; name: string },
  write?: IdempotentWrite,
): Promise<KeyView> {
  const now = deps.clock.now();
  const name = unwrapPolicy(normalizeKeyName(input.name));
  const { view, changed } = await mutationTransaction(
    deps.db,
    write,
    async (tx) => {
      // FOR SHARE on the admin's own rows only: other admins' key changes in the org do not queue.
      await lockActor(tx, admin.authority ?? SYSTEM_AUTHORITY, now);
      const row = await lockActiveKey(tx, admin.orgId, input.id);
      unwrapPolicy(checkMutable(row.scope));
      const changed = row.name !== name;
      if (changed) {
        await tx.update(apiKeys).set({ name, updatedAt: now }).where(eq(apiKeys.id, row.id));
        await recordAudit(tx, {
          orgId: admin.orgId,
          at: now,
          actor: admin.actor,
          action: 'key.renamed',
          target: keyTarget({ id: row.id, name }),
          details: { previousName: row.name, name },
          origin: admin.origin,
        });
      }
      const [view] = await selectKeyViews(tx, admin.orgId, eq(apiKeys.id, row.id));
      return { view: view!, changed };
    },
    (result) => result.view,
  );
  // whoami reports the name, so cached copies must drop the old one.
  if (changed) await deps.changes.publish({ kind: 'key', id: view.id });
  return view;
}
