import { checkRevealAllowed, joinKeyString, KeyholeError, unwrapPolicy } from '@keyhole/core';
import { decryptKeySecret } from '../../auth/key-secrets';
import { selectAllowKeyReveal } from '../../db/orgs/settings';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { keyTarget } from './key-target';
import { lockActiveKey } from './lock-active-key';

/**
 * The full key string again, for the admin's Copy button, while the org allows it. Audited in the same
 * transaction; the key row lock means a concurrent regenerate cannot hand back a secret just replaced.
 */
export async function revealKey(
  deps: AppDeps,
  actor: Actor,
  input: { id: string },
  write?: IdempotentWrite,
): Promise<{ secret: string }> {
  return audited(
    deps,
    actor,
    async (tx, audit) => {
      const row = await lockActiveKey(tx, actor.orgId, input.id);
      const allowKeyReveal = await selectAllowKeyReveal(tx, actor.orgId);
      unwrapPolicy(checkRevealAllowed({ allowKeyReveal: allowKeyReveal ?? false }));
      const secret =
        row.secretCiphertext && decryptKeySecret(deps.keyring, row.clientKey, row.secretCiphertext);
      if (!secret) {
        throw new KeyholeError(
          'PRECONDITION_FAILED',
          'This key can no longer be copied (it was stored under another server secret). Regenerate it to get a new key string.',
        );
      }
      await audit('key.revealed', keyTarget(row), {});
      return { secret: joinKeyString(row.clientKey, secret) };
    },
    { write },
  );
}
