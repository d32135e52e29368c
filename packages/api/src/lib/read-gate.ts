import { DatabaseUnavailableError } from './database-unavailable';
import { isDatabaseUnavailable } from './db-errors';
import { RequestAbandonedError } from './request-abandoned';
import { ServerBusyError } from './server-busy';

/**
 * A weighted semaphore for the reads whose answers can be large (meeting pages, transcripts), so the
 * memory they hold at once is bounded whatever clients send. A read's weight is an upper bound of the
 * meetings it may load; `capacity` bounds their sum across the process. Excess reads wait in a
 * bounded FIFO queue, for a bounded time; beyond either bound they are refused with
 * `TOO_MANY_REQUESTS` reason `server_busy` (and a `Retry-After`), never left to pile up.
 *
 * A read that fails because the database is unavailable (down, stalled, its table locked) fails the
 * reads waiting behind it too, with 503 `database_unavailable`: they would meet the same fault, and
 * waiting for the gate must not stretch a request past the database timeout (SPEC §9).
 */
export interface ReadGateOptions {
  /** Sum of weights that may run at once. */
  capacity: number;
  /** Reads that may wait; one more is refused at once. */
  maxWaiting: number;
  /** How long a read may wait before it is refused. */
  maxWaitMs: number;
}

interface Waiter {
  weight: number;
  grant(): void;
  refuse(err: Error): void;
}

export class ReadGate {
  private inUse = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly opts: ReadGateOptions) {}

  get waiting(): number {
    return this.queue.length;
  }

  get running(): number {
    return this.inUse;
  }

  /** Runs `fn` once `weight` fits; a weight above the capacity runs alone. */
  async run<T>(weight: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const w = Math.max(1, Math.min(Math.ceil(weight), this.opts.capacity));
    await this.acquire(w, signal);
    try {
      return await fn();
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        for (const waiter of this.queue.splice(0)) waiter.refuse(new DatabaseUnavailableError(err));
      }
      throw err;
    } finally {
      this.release(w);
    }
  }

  private retryAfter(): number {
    return Math.max(1, Math.ceil(this.opts.maxWaitMs / 1000 / 2));
  }

  private acquire(weight: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new RequestAbandonedError());
    if (this.queue.length === 0 && this.inUse + weight <= this.opts.capacity) {
      this.inUse += weight;
      return Promise.resolve();
    }
    if (this.queue.length >= this.opts.maxWaiting) {
      return Promise.reject(
        new ServerBusyError(this.retryAfter(), 'serving other large reads (ask for smaller pages)'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          leave(new ServerBusyError(this.retryAfter(), 'serving other large reads (ask for smaller pages)')),
        this.opts.maxWaitMs,
      );
      const onAbort = () => leave(new RequestAbandonedError());
      const leave = (err: Error) => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        done();
        reject(err);
        this.drain();
      };
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        weight,
        grant: () => {
          done();
          resolve();
        },
        refuse: leave,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private release(weight: number): void {
    this.inUse -= weight;
    this.drain();
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (this.inUse + head.weight > this.opts.capacity) return;
      this.queue.shift();
      this.inUse += head.weight;
      head.grant();
    }
  }
}
