import PgBoss from 'pg-boss';

/**
 * The job queue shared by every API process: pg-boss 10 (the last line for Node 20) over Keyhole's
 * own database handle, so it runs the same on PostgreSQL and on PGlite and a job can be added inside
 * the transaction of the change that causes it (`enqueue(tx, …)`: it exists only if that commits).
 * pg-boss keeps its tables in the schema `pgboss`; its fetch is `FOR UPDATE SKIP LOCKED`, so several
 * processes share the work, and a job whose worker died (kill -9) is retried once it expires.
 */
export const WEBHOOK_DELIVERY_QUEUE = 'webhook-delivery';

/** pg-boss's executor: one statement with `$n` values, or several without values (its migrations). */
export interface JobSql {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The database as the queue sees it (create-database.ts's KeyholeDatabase), `Tx` its transactions. */
export interface JobDatabase<Tx> {
  jobSql(tx?: Tx): JobSql;
}

export interface DeliveryJob {
  deliveryId: string;
}

/** A delivery attempt runs ≤ 10 s (the outbound deadline) plus its database work. */
const DELIVERY_JOB_EXPIRE_SECONDS = 60;

export interface JobQueueOptions {
  /** How often an idle worker asks for jobs (pg-boss's floor is 0.5 s); a local enqueue wakes it at once. */
  pollingIntervalSeconds?: number;
  /** How often expired jobs (of a dead worker) are found and retried. */
  maintenanceIntervalSeconds?: number;
  /**
   * How long a job may stay active before it counts as its worker's death and is retried; set on
   * each job (the queue's own setting, 60 s, is fixed when it is first created).
   */
  expireInSeconds?: number;
}

export class JobQueue<Tx = unknown> {
  readonly boss: PgBoss;
  private readonly workers: string[] = [];
  private started = false;

  constructor(
    private readonly database: JobDatabase<Tx>,
    private readonly opts: JobQueueOptions = {},
    onError: (err: unknown) => void = () => {},
  ) {
    this.boss = new PgBoss({
      db: database.jobSql() as PgBoss.Db,
      schedule: false,
      supervise: true,
      migrate: true,
      maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 15,
    });
    // An EventEmitter 'error' without a listener would throw: pg-boss reports its loop's failures here.
    this.boss.on('error', onError);
  }

  /** Installs (or upgrades) pg-boss's schema and the queues: part of the database's migration. */
  async install(): Promise<void> {
    await this.boss.start();
    try {
      await this.ensureQueues();
    } finally {
      await this.boss.stop({ graceful: false, wait: true, close: false });
    }
  }

  async start(): Promise<void> {
    await this.boss.start();
    await this.ensureQueues();
    this.started = true;
  }

  /** Stops fetching and waits (≤ `graceMs`) for the jobs in hand; unfinished ones are retried later. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: Math.max(1000, graceMs) });
  }

  /** Adds delivery jobs in `tx` (or on their own when no transaction is given). */
  async enqueue(tx: Tx | null, jobs: { deliveryId: string; startAfter?: Date }[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((j) => ({
        name: WEBHOOK_DELIVERY_QUEUE,
        data: { deliveryId: j.deliveryId } satisfies DeliveryJob,
        expireInSeconds: this.opts.expireInSeconds ?? DELIVERY_JOB_EXPIRE_SECONDS,
        ...(j.startAfter ? { startAfter: j.startAfter } : {}),
      })),
      { db: this.database.jobSql(tx ?? undefined) as PgBoss.Db },
    );
  }

  /**
   * Runs `handle` for delivery jobs: `concurrency` workers fetching `batchSize` jobs each. A handler
   * that throws fails the job and pg-boss retries it (database trouble); delivery outcomes are the
   * handler's to record and never throw.
   */
  async work(
    handle: (job: DeliveryJob) => Promise<void>,
    { concurrency = 4, batchSize = 5 }: { concurrency?: number; batchSize?: number } = {},
  ): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      let id: string | undefined;
      id = await this.boss.work<DeliveryJob>(
        WEBHOOK_DELIVERY_QUEUE,
        { batchSize, pollingIntervalSeconds: this.opts.pollingIntervalSeconds ?? 0.5 },
        async (jobs) => {
          await Promise.all(jobs.map((job) => handle(job.data)));
          // pg-boss waits out the polling interval after every batch, even a full one: a worker
          // would send at most batchSize jobs per interval (4 × 5 / 0.5 s = 40 a second) however
          // long the queue. A full batch means more are likely waiting: fetch again at once.
          if (jobs.length === batchSize && id !== undefined) this.boss.notifyWorker(id);
        },
      );
      this.workers.push(id);
    }
  }

  /** Wakes this process's workers (after a commit that enqueued): no wait for the next poll. */
  wake(): void {
    for (const id of this.workers) this.boss.notifyWorker(id);
  }

  private async ensureQueues(): Promise<void> {
    if (await this.boss.getQueue(WEBHOOK_DELIVERY_QUEUE)) return;
    try {
      await this.boss.createQueue(WEBHOOK_DELIVERY_QUEUE, {
        name: WEBHOOK_DELIVERY_QUEUE,
        policy: 'standard',
        // Retries of a job whose handler threw (the database failed it); a receiver's failures are
        // scheduled by the worker itself as new jobs (core's webhook retry schedule).
        retryLimit: 10,
        retryDelay: 5,
        retryBackoff: true,
        expireInSeconds: DELIVERY_JOB_EXPIRE_SECONDS,
        retentionDays: 30,
      });
    } catch (err) {
      // Another process created it meanwhile.
      if (!(await this.boss.getQueue(WEBHOOK_DELIVERY_QUEUE))) throw err;
    }
  }
}
