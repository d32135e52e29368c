import { checkIdempotencyKey, KeyholeError } from '@keyhole/core';
import {
  type IdempotencyCaller,
  type IdempotentRequest,
  openIdempotentRequest,
} from '../services/idempotency/idempotent-request';
import { type IdempotentWrite, runIdempotent } from '../services/idempotency/run-idempotent';
import type { Context } from './context';

/**
 * Mutations that refuse an `Idempotency-Key`, and why. Silently ignoring it would break its promise
 * (a retry must have no second effect), so a client that relies on it learns at once.
 */
const WITHOUT_IDEMPOTENCY = new Map<string, string>([
  // Sign-up and sign-in have no caller to scope a key to; sign-out ends the only one it could have.
  ['auth.signUp', 'it has no caller to scope the key to'],
  ['auth.signIn', 'it has no caller to scope the key to'],
  ['auth.signOut', 'it has no caller to scope the key to'],
  // Its answer holds the signing secret, which is never stored, so there is nothing to replay.
  [
    'webhooks.subscribe',
    'its answer holds a secret that is never stored, so it cannot be replayed; list the subscriptions before retrying',
  ],
  ['webhooks.unsubscribe', 'a repeat is harmless already (404 once deleted)'],
]);

/** The header on a mutation that cannot take one is BAD_REQUEST; on a query it is ignored. */
export function refuseMisplacedIdempotencyKey(ctx: Context, type: string, path: string): void {
  if (type !== 'mutation' || ctx.req.idempotencyKey === null) return;
  const why = WITHOUT_IDEMPOTENCY.get(path);
  if (why !== undefined) {
    throw new KeyholeError(
      'BAD_REQUEST',
      `Idempotency-Key is not accepted by ${path}: ${why}.`,
      'idempotency_key_invalid',
    );
  }
  // HTTP requests were checked before tRPC; in-process callers are checked here.
  checkIdempotencyKey(ctx.req.idempotencyKey);
}

/**
 * For a mutation with the header: its scope and any answer already recorded, then the budget — spent
 * now, or (for what looks like a replay) only if it turns out not to be one. Without the header,
 * `charge` as usual. Runs before the input is parsed, like every rate limit (SPEC §9 order).
 */
export async function openIdempotencyAndCharge(
  ctx: Context,
  type: string,
  path: string,
  caller: IdempotencyCaller,
  budget: { charge: () => Promise<void>; show: () => Promise<void> } | null,
): Promise<IdempotentRequest | null> {
  const key = type === 'mutation' ? ctx.req.idempotencyKey : null;
  const request = key === null ? null : await openIdempotentRequest(ctx.deps, caller, path, key);
  if (budget === null) return request;
  if (request?.prior) {
    request.deferredCharge = budget.charge;
    await budget.show();
  } else {
    await budget.charge();
  }
  return request;
}

/**
 * A mutation resolver's body: `run` once, or the recorded answer of an earlier request with the same
 * key (then `Idempotent-Replayed: true`). `run` hands `write` to its service's transaction.
 */
export async function idempotent<T>(
  ctx: Context,
  input: unknown,
  run: (write: IdempotentWrite | undefined) => Promise<T>,
): Promise<T> {
  const { answer, replayed } = await runIdempotent(ctx.deps, ctx.idempotency ?? null, input, run);
  if (replayed) ctx.res.setHeader('Idempotent-Replayed', 'true');
  return answer;
}
