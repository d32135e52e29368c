import { DatabaseUnavailableError } from '../lib/database-unavailable';
import { isDatabaseUnavailable, isDatabaseUnreachable } from '../lib/db-errors';
import { LIMITS } from '../lib/limits';
import { ServerBusyError } from '../lib/server-busy';

/**
 * Bounds what the server waits for the database (SPEC §9 "Database faults"). postgres.js queues every
 * statement while its connections are busy or cannot connect, for as long as that lasts; the gate
 * sits in front of it for each statement or transaction of the serving pool (requests, and the
 * server's own background work such as the usage flush, which then retries):
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
 * Migrations, CLI commands and the change feed's connection use clients of their own, without a
 * gate. Statements inside a transaction run on its connection, under its slot and deadline.
 *
 * No AsyncLocalStorage: on Node 20 an active one hooks every promise of the process (see
 * lib/request-scope.ts).
 */
/** How often deadlines are checked: one timer for the gate, not one per statement on the hot path. */
const SWEEP_MS = 50;

interface Pending {
  deadline: number;
  expire(): void;
}

export class DatabaseGate {
  private outstanding = 0;
  private readonly pending = new Set<Pending>();
  private sweeper: NodeJS.Timeout | null = null;
  private unreachable = false;
  private lastAnswerAt = performance.now();

  constructor(
    readonly timeoutMs: number,
    readonly maxOutstanding: number = LIMITS.dbMaxOutstanding,
    readonly silentMs: number = LIMITS.dbSilentMs,
    readonly graceMs: number = LIMITS.dbDeadlineGraceMs,
    readonly probes: number = LIMITS.dbProbesWhileUnreachable,
  ) {}

  /** Statements and transactions handed to the driver and not yet settled. */
  get inFlight(): number {
    return this.outstanding;
  }

  /** Runs `start` as one unit of gated work; `expired()` turns true once its deadline has passed. */
  run<T>(start: (expired: () => boolean) => PromiseLike<T>): Promise<T> {
    if (this.unreachable && this.outstanding >= this.probes) {
      return Promise.reject(new DatabaseUnavailableError());
    }
    if (this.outstanding >= this.maxOutstanding) return Promise.reject(this.refusal());
    this.outstanding++;
    let expired = false;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        deadline: performance.now() + this.timeoutMs + this.graceMs,
        expire: () => {
          expired = true;
          reject(new DatabaseUnavailableError());
        },
      };
      this.track(entry);
      const settle = (answered: boolean, err?: unknown) => {
        this.pending.delete(entry);
        this.outstanding--;
        if (answered) this.lastAnswerAt = performance.now();
        this.unreachable = err !== undefined && isDatabaseUnreachable(err);
      };
      let work: PromiseLike<T>;
      try {
        work = start(() => expired);
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

  private track(entry: Pending): void {
    this.pending.add(entry);
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = performance.now();
      for (const p of this.pending) {
        if (p.deadline > now) break; // one timeout for all: deadlines come in insertion order
        // Answered now; its slot stays taken until the driver settles it.
        this.pending.delete(p);
        p.expire();
      }
      if (this.pending.size === 0 && this.sweeper) {
        clearInterval(this.sweeper);
        this.sweeper = null;
      }
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  private refusal(): Error {
    return performance.now() - this.lastAnswerAt > this.silentMs
      ? new DatabaseUnavailableError()
      : new ServerBusyError(1, 'waiting for the database');
  }
}
