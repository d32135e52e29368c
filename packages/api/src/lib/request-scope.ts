import type { Database } from '../db/create-database';
import type { AppDeps } from '../deps';
import { RequestAbandonedError } from './request-abandoned';

/**
 * The HTTP request a piece of work is done for, handed to the services with their deps: a
 * transaction whose request was abandoned (client gone, deadline passed) before it committed is
 * rolled back rather than committed for nobody (SPEC §9 "Transport").
 *
 * The request's signal rides in a per-request copy of the deps rather than in an AsyncLocalStorage:
 * on Node 20 an active AsyncLocalStorage hooks every promise of the process (a promise-heavy loop
 * ran 2.1× slower with one active, docs/PERFORMANCE.md), and every request would pay for it.
 */

/** The deps of one request: the same services, whose transactions check `signal` before COMMIT. */
export function depsForRequest(deps: AppDeps, signal: AbortSignal | undefined): AppDeps {
  if (!signal) return deps;
  // A child object over the process's deps rather than a copy: copying them cost microseconds per request.
  const scoped = Object.create(deps) as { -readonly [K in keyof AppDeps]: AppDeps[K] };
  scoped.db = rollbackWhenAbandoned(deps.db, signal);
  return scoped;
}

/**
 * The database with one change: every transaction, as its last step before COMMIT, checks that
 * its request is still there; if not it throws, so the driver rolls it back.
 */
function rollbackWhenAbandoned(db: Database, signal: AbortSignal): Database {
  const transaction = db.transaction.bind(db);
  const scoped = Object.create(db) as Database;
  scoped.transaction = ((fn, config) =>
    transaction(async (tx) => {
      const result = await fn(tx);
      if (signal.aborted) throw new RequestAbandonedError();
      return result;
    }, config)) as Database['transaction'];
  return scoped;
}
