import { checkRevealAllowed, joinKeyString, KeyholeError, unwrapPolicy } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import { SYSTEM_AUTHORITY } from '../../auth/authority';
import { decryptKeySecret } from '../../auth/key-secrets';
import { lockActor } from '../../auth/lock-actor';
import { orgs } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { recordAudit } from '../audit/record-audit';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { type KeyAdmin, keyTarget } from './key-admin';
import { lockActiveKey } from './lock-active-key';

/**
 * The full key string again, for the admin's Copy button, while the org allows it. Audited in the same
 * transaction; the key row lock means a concurrent regenerate cannot hand back a secret just replaced.
 */
export async function revealKey(
  deps: AppDeps,
  admin: KeyAdmin,
  input: { id: string },
  write?: IdempotentWrite,
): Promise<{ secret: string }> {
  const now = deps.clock.now();
  return mutationTransaction(deps.db, write, async (tx) => {
    // FOR SHARE on the admin's own rows only: other admins' key changes in the org do not queue.
    await lockActor(tx, admin.authority ?? SYSTEM_AUTHORITY, now);
    const row = await lockActiveKey(tx, admin.orgId, input.id);
    const [org] = await tx
      .select({ allowKeyReveal: orgs.allowKeyReveal })
      .from(orgs)
      .where(eq(orgs.id, admin.orgId));
    unwrapPolicy(checkRevealAllowed({ allowKeyReveal: org?.allowKeyReveal ?? false }));
    const secret =
      row.secretCiphertext && decryptKeySecret(deps.keyring, row.clientKey, row.secretCiphertext);
    if (!secret) {
      throw new KeyholeError(
        'PRECONDITION_FAILED',
        'This key can no longer be copied (it was stored under another server secret). Regenerate it to get a new key string.',
      );
    }
    await recordAudit(tx, {
      orgId: admin.orgId,
      at: now,
      actor: admin.actor,
      action: 'key.revealed',
      target: keyTarget(row),
      details: {},
      origin: admin.origin,
    });
    return { secret: joinKeyString(row.clientKey, secret) };
  });
}
