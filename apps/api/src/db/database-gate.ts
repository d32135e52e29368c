import { AsyncLocalStorage } from 'node:async_hooks';
import { DatabaseUnavailableError } from '../lib/database-unavailable';
import { isDatabaseUnavailable, isDatabaseUnreachable } from '../lib/db-errors';
import { LIMITS } from '../lib/limits';
import { inRequestScope } from '../lib/request-scope';
import { ServerBusyError } from '../lib/server-busy';

/**
 * Bounds what requests wait for the database (SPEC §9 "Database faults"). postgres.js queues every
 * statement while its connections are busy or cannot connect, for as long as that lasts; the gate
 * sits in front of it for each statement or transaction run for a request:
 *
 * - at most `maxOutstanding` of them are handed to the driver and not yet settled; more are refused
 *   at once (503 `database_unavailable` when the database has answered nothing for `silentMs`, else
 *   429 `server_busy`: a healthy database that is merely busy is load, not an outage);
 * - each is answered 503 `database_unavailable` once `timeoutMs` (+ `graceMs`, so that the server's
 *   own statement and lock timeouts come first) have passed, whatever the driver is still doing (a
 *   stalled server enforces no statement_timeout). Its slot stays taken until the
 *   driver settles it, so a stall fills the gate and later calls are refused at once;
 * - while the database cannot be reached at all (the last settled work was refused, closed, or timed
 *   out connecting), only `probes` calls at a time try it and the others are answered 503 at once;
 *   the first one that gets through ends that, so recovery waits for nothing but the reconnect;
 * - a transaction whose deadline passed rolls back rather than commits (`expired()` is checked just
 *   before COMMIT), so a client that was told 503 never finds the write done later.
 *
 * Work outside a request (migrations, CLI commands, the change feed's listener) passes through, and so
 * does a statement inside gated work (a transaction's own BEGIN, or a pool call made from inside it):
 * it runs under its parent's slot and deadline.
 */
export class DatabaseGate {
  private outstanding = 0;
  private unreachable = false;
  private lastAnswerAt = performance.now();
  private readonly inside = new AsyncLocalStorage<true>();

  constructor(
    readonly timeoutMs: number,
    readonly maxOutstanding: number = LIMITS.dbMaxOutstanding,
    readonly silentMs: number = LIMITS.dbSilentMs,
    readonly graceMs: number = LIMITS.dbDeadlineGraceMs,
    readonly probes: number = LIMITS.dbProbesWhileUnreachable,
  ) {}

  /** Whether work started here would be gated (a request's, and not nested in gated work). */
  applies(): boolean {
    return inRequestScope() && this.inside.getStore() === undefined;
  }

  /** Statements and transactions handed to the driver for requests and not yet settled. */
  get inFlight(): number {
    return this.outstanding;
  }

  /** Runs `start` as one unit of request work; `expired()` turns true once its deadline has passed. */
  run<T>(start: (expired: () => boolean) => PromiseLike<T>): Promise<T> {
    if (!this.applies()) return Promise.resolve(start(() => false));
    if (this.unreachable && this.outstanding >= this.probes) {
      return Promise.reject(new DatabaseUnavailableError());
    }
    if (this.outstanding >= this.maxOutstanding) return Promise.reject(this.refusal());
    this.outstanding++;
    let expired = false;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        expired = true;
        reject(new DatabaseUnavailableError());
      }, this.timeoutMs + this.graceMs);
      const settle = (answered: boolean, err?: unknown) => {
        clearTimeout(timer);
        this.outstanding--;
        if (answered) this.lastAnswerAt = performance.now();
        this.unreachable = err !== undefined && isDatabaseUnreachable(err);
      };
      let work: PromiseLike<T>;
      try {
        work = this.inside.run(true, () => start(() => expired));
      } catch (err) {
        settle(false, err);
        reject(err);
        return;
      }
      Promise.resolve(work).then(
        (value) => {
          settle(true);
          resolve(value);
        },
        (err: unknown) => {
          settle(!isDatabaseUnavailable(err), err);
          reject(err);
        },
      );
    });
  }

  private refusal(): Error {
    return performance.now() - this.lastAnswerAt > this.silentMs
      ? new DatabaseUnavailableError()
      : new ServerBusyError(1, 'waiting for the database');
  }
}
