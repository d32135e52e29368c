import type { Database } from '../../db';
import type { IdempotentWrite } from './run-idempotent';

/**
 * A mutation's transaction: `work` between the `Idempotency-Key` claim and the record of its answer,
 * when the request carried one. `answerOf` turns what `work` returns into what the client receives
 * (the default: the same value), which is what a repeat is answered with.
 */
export function mutationTransaction<T>(
  db: Database,
  write: IdempotentWrite | undefined,
  work: (tx: Database) => Promise<T>,
  answerOf: (result: T) => unknown = (result) => result,
): Promise<T> {
  return db.transaction(async (tx) => {
    await write?.claim(tx);
    const result = await work(tx);
    await write?.record(tx, answerOf(result));
    return result;
  });
}
