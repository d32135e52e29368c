import { KeyholeError } from '@keyhole/core';
import type { Database } from '../../db';
import { type IdempotencyRecord, tryLockScope } from '../../db/idempotency/records';
import type { AppDeps } from '../../deps';
import { hmacSha256 } from '../../lib/keyring';
import { findLiveRecord, insertRecord } from './idempotency-records';
import type { IdempotentRequest } from './idempotent-request';
import { replayAnswer, storeAnswer } from './recorded-answer';

/**
 * What a mutation's transaction does for its `Idempotency-Key`: `claim` as its first statement,
 * `record` as its last (see `audited`). A mutation sent without the header gets none.
 */
export interface IdempotentWrite {
  claim(tx: Database): Promise<void>;
  record(tx: Database, answer: unknown): Promise<void>;
}

/** Thrown by `claim` when a twin committed between the first look-up and the lock: answer from its record. */
class AlreadyAnswered extends Error {
  constructor(readonly record: IdempotencyRecord) {
    super('answered by an earlier request with the same Idempotency-Key');
  }
}

function inProgressError(): KeyholeError {
  return new KeyholeError(
    'CONFLICT',
    'Idempotency-Key: a request with this key is still running. Retry once it has finished.',
    'idempotency_in_progress',
  );
}

function reusedError(): KeyholeError {
  return new KeyholeError(
    'CONFLICT',
    'Idempotency-Key: this key was already used with other input. Send a new key for a new request.',
    'idempotency_key_reused',
  );
}

/** Sorted keys, dates as ISO strings, undefined fields dropped: one text per parsed input. */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

export function hashInput(deps: Pick<AppDeps, 'keyring'>, input: unknown): Buffer {
  return hmacSha256(deps.keyring.idempotencyHmac, `input\n${JSON.stringify(canonical(input) ?? null)}`);
}

export interface IdempotentOutcome<T> {
  answer: T;
  /** True when the answer is the recorded one of an earlier request. */
  replayed: boolean;
}

/**
 * SPEC §9 "Database faults", below any transport so `/trpc` and `/v1` share it: a mutation sent
 * with an `Idempotency-Key` runs once per (caller, procedure, key) within 24 hours. A repeat with the
 * same input gets the first answer (a key string read again from the encrypted store) and no second
 * effect; other input is `idempotency_key_reused`; a repeat while the first runs is
 * `idempotency_in_progress`. `run` performs the mutation, handing `write` to its transaction; the
 * answer is recorded in that transaction, so only a committed effect is ever replayed and a failed or
 * rolled-back one may simply be sent again.
 */
export async function runIdempotent<T>(
  deps: AppDeps,
  request: IdempotentRequest | null,
  input: unknown,
  run: (write: IdempotentWrite | undefined) => Promise<T>,
): Promise<IdempotentOutcome<T>> {
  if (request === null) return { answer: await run(undefined), replayed: false };
  const inputHash = hashInput(deps, input);
  const replay = async (record: IdempotencyRecord): Promise<IdempotentOutcome<T>> => {
    if (!inputHash.equals(record.inputHash)) {
      await request.deferredCharge?.();
      throw reusedError();
    }
    return { answer: (await replayAnswer(deps, record)) as T, replayed: true };
  };

  if (request.prior) return replay(request.prior);
  const write: IdempotentWrite = {
    async claim(tx) {
      if (!(await tryLockScope(tx, request.scope))) throw inProgressError();
      // Under the lock: a twin that committed since our first look-up is visible now.
      const record = await findLiveRecord(tx, request.scope, deps.clock.now());
      if (record) throw new AlreadyAnswered(record);
    },
    async record(tx, answer) {
      await insertRecord(tx, {
        scope: request.scope,
        procedure: request.procedure,
        inputHash,
        ...storeAnswer(deps.keyring, answer),
        createdAt: deps.clock.now(),
      });
    },
  };
  try {
    return { answer: await run(write), replayed: false };
  } catch (err) {
    if (err instanceof AlreadyAnswered) return replay(err.record);
    throw err;
  }
}
