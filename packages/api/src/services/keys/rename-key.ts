import { normalizeKeyName, unwrapPolicy } from '@keyhole/core';
import { renameKeyRow } from '../../db/keys/key-writes';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { keyTarget } from './key-target';
import { lockMutableKey } from './lock-active-key';
import { type KeyView, selectKeyViews } from './views';

/** Changes the label only; the credential keeps working. Legacy keys are read-only. */
export async function renameKey(
  deps: AppDeps,
  actor: Actor,
  input: { id: string; name: string },
  write?: IdempotentWrite,
): Promise<KeyView> {
  const name = unwrapPolicy(normalizeKeyName(input.name));
  return audited(
    deps,
    actor,
    async (tx, audit, { now, publish }) => {
      const row = await lockMutableKey(tx, actor.orgId, input.id);
      const changed = row.name !== name;
      if (changed) {
        await renameKeyRow(tx, row.id, name, now);
        await audit('key.renamed', keyTarget({ id: row.id, name }), { previousName: row.name, name });
      }
      const [view] = await selectKeyViews(tx, actor.orgId, { id: row.id });
      // whoami reports the name, so cached copies must drop the old one.
      if (changed) publish({ kind: 'key', id: row.id });
      return view!;
    },
    { write },
  );
}
