import { sql } from 'drizzle-orm';
import type { Database } from '../db/create-database';
import { keyUsageDaily } from '../db/schema';
import type { Logger } from '../lib/logger';

/**
 * What became of a call made with a verified key (SPEC §5 `keys.usage`), by its final HTTP status:
 * 2xx succeeded, 429 rateLimited, any other 4xx clientErrors, 5xx serverErrors.
 */
export type KeyCallOutcome = 'succeeded' | 'clientErrors' | 'rateLimited' | 'serverErrors';

/** One key's calls on one day. `succeeded` is not kept: it is `requests` less the three others. */
export interface DayCounts {
  requests: number;
  clientErrors: number;
  rateLimited: number;
  serverErrors: number;
}

interface PendingUsage {
  lastUsedAt: Date;
  /** UTC day `YYYY-MM-DD` → calls. */
  days: Map<string, DayCounts>;
}

const noCalls = (): DayCounts => ({ requests: 0, clientErrors: 0, rateLimited: 0, serverErrors: 0 });

function addCounts(to: DayCounts, from: DayCounts): void {
  to.requests += from.requests;
  to.clientErrors += from.clientErrors;
  to.rateLimited += from.rateLimited;
  to.serverErrors += from.serverErrors;
}

/** Rows per statement, far below PostgreSQL's 65535 bind parameters. */
const CHUNK = 1000;

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * Key usage without a database write per request: calls are counted in memory and written in
 * batches, one multi-row upsert for the daily counts and one UPDATE for last_used_at, at most
 * `flushMs` after the previous flush and once more at shutdown. A failed flush keeps its counts for
 * the next one. Reads (`exclusive`) and flushes take turns, so a read never sees a count both in the
 * database and still in memory.
 *
 * A flush is bound by the database gate like a request's transaction (KEYHOLE_DB_TIMEOUT_MS): while
 * the database is down or stalled it fails within that time, keeps its counts and the next flush
 * writes them; one still open at its deadline rolls back rather than commits, so retried counts are
 * not written twice.
 */
export class KeyUsageRecorder {
  private pending = new Map<string, PendingUsage>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly flushMs: number,
  ) {}

  /** One finished call of the key: a few increments in memory, nothing else on the request's path. */
  record(keyId: string, at: Date, outcome: KeyCallOutcome): void {
    let usage = this.pending.get(keyId);
    if (!usage) {
      usage = { lastUsedAt: at, days: new Map() };
      this.pending.set(keyId, usage);
    } else if (at > usage.lastUsedAt) {
      usage.lastUsedAt = at;
    }
    const day = utcDay(at);
    let counts = usage.days.get(day);
    if (!counts) {
      counts = noCalls();
      usage.days.set(day, counts);
    }
    counts.requests++;
    if (outcome !== 'succeeded') counts[outcome]++;
  }

  /** What is counted here and not yet written (call inside `exclusive` for an exact total). */
  pendingFor(keyId: string): { lastUsedAt: Date | null; days: ReadonlyMap<string, Readonly<DayCounts>> } {
    const usage = this.pending.get(keyId);
    return { lastUsedAt: usage?.lastUsedAt ?? null, days: usage?.days ?? new Map() };
  }

  /** Runs `fn` while no flush is in progress (reads of the database plus `pendingFor`). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Writes what is counted now; the next timed flush comes a full interval later. */
  async flush(): Promise<void> {
    await this.exclusive(() => this.write());
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushMs);
    this.timer.unref();
  }

  private restore(keyId: string, usage: PendingUsage): void {
    const current = this.pending.get(keyId);
    if (!current) {
      this.pending.set(keyId, usage);
      return;
    }
    if (usage.lastUsedAt > current.lastUsedAt) current.lastUsedAt = usage.lastUsedAt;
    for (const [day, counts] of usage.days) {
      const into = current.days.get(day);
      if (into) addCounts(into, counts);
      else current.days.set(day, counts);
    }
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      const dayRows = [...batch].flatMap(([keyId, usage]) =>
        [...usage.days].map(([day, counts]) => ({ keyId, day, ...counts })),
      );
      const lastUsed = [...batch].map(([keyId, usage]) => ({ keyId, at: usage.lastUsedAt }));
      await this.db.transaction(async (tx) => {
        for (let i = 0; i < dayRows.length; i += CHUNK) {
          await tx
            .insert(keyUsageDaily)
            .values(dayRows.slice(i, i + CHUNK))
            .onConflictDoUpdate({
              target: [keyUsageDaily.keyId, keyUsageDaily.day],
              set: {
                requests: sql`${keyUsageDaily.requests} + excluded.requests`,
                clientErrors: sql`${keyUsageDaily.clientErrors} + excluded.client_errors`,
                rateLimited: sql`${keyUsageDaily.rateLimited} + excluded.rate_limited`,
                serverErrors: sql`${keyUsageDaily.serverErrors} + excluded.server_errors`,
              },
            });
        }
        for (let i = 0; i < lastUsed.length; i += CHUNK) {
          const values = sql.join(
            lastUsed
              .slice(i, i + CHUNK)
              .map((u) => sql`(${u.keyId}::uuid, ${u.at.toISOString()}::timestamptz)`),
            sql`, `,
          );
          await tx.execute(sql`
            update api_keys set last_used_at = greatest(api_keys.last_used_at, v.at)
            from (values ${values}) as v(id, at)
            where api_keys.id = v.id`);
        }
      });
    } catch (err) {
      for (const [keyId, usage] of batch) this.restore(keyId, usage);
      this.logger.error({ err, keys: batch.size }, 'could not write key usage; will retry');
    }
  }
}
