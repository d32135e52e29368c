import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres, { type Sql } from 'postgres';
import { DatabaseUnavailableError } from '../lib/database-unavailable';
import { LIMITS } from '../lib/limits';
import { lockDataDir } from './data-dir';
import { DatabaseGate } from './database-gate';
import { JobQueue, type JobSql } from './job-queue';
import * as schema from './schema';

export type Schema = typeof schema;
/** One type for both drivers: services never know which database they talk to. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type DatabaseKind = 'pglite' | 'postgres';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
// Any constant works; it only has to be the same in every Keyhole process.
const MIGRATION_LOCK_ID = 7_204_221_001;

export interface KeyholeDatabase {
  db: Database;
  kind: DatabaseKind;
  /** Rows of a raw statement, whichever driver runs it. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Rows as arrays (columns by position), for hot statements whose columns share names. */
  queryValues(text: string, params?: unknown[]): Promise<unknown[][]>;
  /**
   * A notification connection of its own, outside the pool: resolves once it LISTENs on every channel.
   * It never reconnects by itself: `onClose` fires once if it is lost, and the caller opens another
   * (lib/change-feed.ts decides when). Its `notify` runs on the same connection, so a process can hear
   * its own heartbeat through it.
   */
  openNotifications(opts: NotificationOptions): Promise<NotificationConnection>;
  /** NOTIFY through the pool (a change, published after its transaction committed). */
  notify(channel: string, payload: string): Promise<void>;
  /** Applies the committed migrations; on PostgreSQL under an advisory lock so concurrent starters queue. */
  migrate(): Promise<void>;
  /** PGlite only: the whole data directory as a tarball (tests start copies of a migrated database from it). */
  dumpDataDir(): Promise<Blob>;
  /**
   * Calls `fn` with the text of every statement this process sends (tests count them), but the job
   * queue's own (its polling would make every count a race); returns an unsubscribe.
   */
  onStatement(fn: (sql: string) => void): () => void;
  /**
   * The job queue's statements (pg-boss, its own schema `pgboss`): on the pool, or inside `tx` so a
   * job exists only if the transaction that made it commits.
   */
  jobSql(tx?: Database): JobSql;
  /** PostgreSQL opened for serving (`timeoutMs`): what bounds the waiting for the database. */
  gate?: DatabaseGate;
  close(): Promise<void>;
}

/**
 * Values as node-postgres (pg-boss's own driver) sends them: an object as JSON, an array as a
 * PostgreSQL array literal. postgres.js would otherwise throw on an object from its socket handler.
 */
function nodePostgresValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  // A Date bound to a parameter postgres.js did not type would reach its socket writer as an object.
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const item = (v: unknown): string =>
      v === null || v === undefined
        ? 'NULL'
        : Array.isArray(v)
          ? `{${v.map(item).join(',')}}`
          : `"${String(nodePostgresValue(v)).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    return `{${value.map(item).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The driver's client behind a drizzle transaction (drizzle keeps it on the transaction's session). */
const txClient = <C>(tx: Database): C => (tx as unknown as { session: { client: C } }).session.client;

export interface NotificationOptions {
  channels: string[];
  onNotify(channel: string, payload: string): void;
  onClose(): void;
  /** Gives up opening (connect and LISTEN) after this long. */
  openTimeoutMs: number;
}

export interface NotificationConnection {
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * With a gate, every transaction of the pool is one unit of gated work, and checks as its last step
 * before COMMIT that its deadline has not passed; if it has, it throws so the driver rolls it back: a
 * caller told 503 never finds the write done later (database-gate.ts).
 */
function gateTransactions(db: Database, gate: DatabaseGate): Database {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn, config) =>
    gate.run((expired) =>
      transaction(async (tx) => {
        const result = await fn(tx);
        if (expired()) throw new DatabaseUnavailableError();
        return result;
      }, config),
    )) as Database['transaction'];
  return db;
}

/**
 * A postgres.js query runs when first awaited (its `then`); a gated one runs as one unit of gated
 * work, so the caller's await ends at the gate's deadline even while the driver still waits.
 */
function gateQuery<Q extends PromiseLike<unknown>>(gate: DatabaseGate, query: Q): Q {
  const then = query.then.bind(query);
  let gated: Promise<unknown> | undefined;
  // biome-ignore lint/suspicious/noThenProperty: the query must stay a thenable, now one that waits at the gate
  (query as { then: PromiseLike<unknown>['then'] }).then = (onFulfilled, onRejected) => {
    gated ??= gate.run(() => new Promise((resolve, reject) => then(resolve, reject)));
    return gated.then(onFulfilled, onRejected);
  };
  return query;
}

/** Statement listeners, fed by drizzle's logger hook and by raw `query()` calls. */
function statementTap() {
  const listeners = new Set<(sql: string) => void>();
  const emit = (sql: string) => {
    for (const fn of listeners) fn(sql);
  };
  return {
    logger: { logQuery: (sql: string) => emit(sql) },
    emit,
    onStatement: (fn: (sql: string) => void) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

export type DatabaseOptions =
  | {
      kind: 'postgres';
      url: string;
      max?: number;
      migrate?: boolean;
      /**
       * The serving bound (KEYHOLE_DB_TIMEOUT_MS, SPEC §9): connect timeout, `statement_timeout` and
       * `lock_timeout` of every session of the pool, and the database gate's deadline for each
       * statement and transaction. Unset (CLI commands): the server's own settings, postgres.js's 30 s
       * connect timeout, no gate. Migrations always run on a client of their own without these limits.
       */
      timeoutMs?: number;
      /** The gate's bound (tests lower it); LIMITS.dbMaxOutstanding by default. */
      maxOutstanding?: number;
    }
  /**
   * dataDir undefined = in memory (tests). The database files live in `<dataDir>/pgdata`; the lock and
   * the generated secret sit beside them.
   */
  | { kind: 'pglite'; dataDir?: string; migrate?: boolean; loadDataDir?: Blob; lock?: boolean };

export async function createDatabase(options: DatabaseOptions): Promise<KeyholeDatabase> {
  const database = options.kind === 'postgres' ? await openPostgres(options) : await openPglite(options);
  // pg-boss's schema and queues are part of the database's migration (tests copy a migrated template).
  const migrateTables = database.migrate;
  database.migrate = async () => {
    await migrateTables();
    await new JobQueue(database).install();
  };
  if (options.migrate !== false) {
    try {
      await database.migrate();
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return database;
}

/**
 * postgres.js waits `(0.5–1) × min(3^n / 100, 20)` seconds before its n-th reconnect in a row (n
 * counts every failed attempt of the pool), so after a 10 s outage it could stay away for 20 s. Ours
 * grows from 50 ms to at most `LIMITS.dbReconnectMaxDelayMs`: back within 2 s of the database (SPEC §9).
 */
export function reconnectDelaySeconds(retries: number): number {
  return Math.min(LIMITS.dbReconnectMaxDelayMs, 50 * 2 ** Math.min(retries, 10)) / 1000;
}

const POSTGRES_TYPES = { bigint: postgres.BigInt };

async function openPostgres(options: {
  url: string;
  max?: number;
  timeoutMs?: number;
  maxOutstanding?: number;
}): Promise<KeyholeDatabase> {
  const { timeoutMs } = options;
  const client = postgres(options.url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Dates arrive as Date, bigint counts as number (usage counts stay far below 2^53).
    types: POSTGRES_TYPES,
    backoff: reconnectDelaySeconds,
    ...(timeoutMs === undefined
      ? { connection: { application_name: 'keyhole' } }
      : {
          connect_timeout: timeoutMs / 1000,
          // Sent in the startup packet: every session of the pool has them.
          connection: { application_name: 'keyhole', statement_timeout: timeoutMs, lock_timeout: timeoutMs },
        }),
  });
  const gate = timeoutMs === undefined ? undefined : new DatabaseGate(timeoutMs, options.maxOutstanding);
  // drizzle sends every statement unnamed, so PostgreSQL plans it again on each call. Our statements
  // come from a small, fixed set of query shapes (values travel as parameters), so let postgres.js
  // prepare each shape once per connection and reuse the plan.
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((text: string, args?: unknown[], opts?: { prepare?: boolean; onexecute?: unknown }) => {
    const query = unsafe(text, args as never[], { ...opts, prepare: opts?.prepare ?? true });
    // A transaction's own BEGIN (postgres.js sends it with `onexecute`) runs under its transaction's slot.
    return gate && opts?.onexecute === undefined ? gateQuery(gate, query) : query;
  }) as typeof client.unsafe;
  const tap = statementTap();
  const drizzled = drizzlePostgres({ client, schema, logger: tap.logger }) as unknown as Database;
  const db = gate ? gateTransactions(drizzled, gate) : drizzled;
  return {
    db,
    kind: 'postgres',
    ...(gate ? { gate } : {}),
    query: async <T>(text: string, params: unknown[] = []) => {
      tap.emit(text);
      return (await client.unsafe(text, params as never[])) as unknown as T[];
    },
    queryValues: async (text: string, params: unknown[] = []) => {
      tap.emit(text);
      return (await client
        .unsafe(text, params as never[], { prepare: true })
        .values()) as unknown as unknown[][];
    },
    onStatement: tap.onStatement,
    jobSql: (tx) => {
      // Without values postgres.js sends the text as a simple query, which may hold several statements.
      const run = tx ? txClient<Sql>(tx).unsafe.bind(txClient<Sql>(tx)) : client.unsafe;
      return {
        executeSql: async (text, values = []) => {
          // pg-boss's maintenance and migrations are BEGIN … COMMIT texts: postgres.js runs those only
          // on a connection of their own, never on the pool.
          const args = values.map(nodePostgresValue) as never[];
          if (!tx && /^\s*begin\b/i.test(text)) {
            const own = await client.reserve();
            try {
              return { rows: [...(await own.unsafe(text, args))] };
            } finally {
              own.release();
            }
          }
          return { rows: [...(await run(text, args))] };
        },
      };
    },
    openNotifications: (opts) => openPostgresNotifications(options.url, opts),
    notify: async (channel, payload) => {
      await client.notify(channel, payload);
    },
    dumpDataDir: () => Promise.reject(new Error('dumpDataDir is for PGlite only')),
    migrate: async () => {
      // Migrations have their own limits: a client of their own, without the serving timeouts (a long
      // ALTER, or waiting for another starter's advisory lock, is not a fault).
      const own = postgres(options.url, {
        max: 2,
        onnotice: () => {},
        types: POSTGRES_TYPES,
        connection: { application_name: 'keyhole-migrate' },
      });
      try {
        // The lock belongs to one connection, so hold it on a reserved one while the other migrates.
        const lockConn = await own.reserve();
        try {
          await lockConn`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
          try {
            await migratePostgres(drizzlePostgres({ client: own, schema }), {
              migrationsFolder: MIGRATIONS_FOLDER,
            });
          } finally {
            await lockConn`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
          }
        } finally {
          lockConn.release();
        }
      } finally {
        await own.end({ timeout: 5 });
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * postgres.js's own `listen` reconnects after its exponential backoff (measured 0.65–13 s after a
 * restart) and cannot say whether it currently hears anything. This is one plain connection instead,
 * without lifetime or idle limits (either would drop it on purpose), that the change feed watches and
 * replaces itself.
 */
async function openPostgresNotifications(
  url: string,
  { channels, onNotify, onClose, openTimeoutMs }: NotificationOptions,
): Promise<NotificationConnection> {
  let open = false;
  let closed = false;
  // `onnotify` is the hook postgres.js's own `listen` is built on; its published types leave it out.
  const hooks = {
    onnotify: (channel: string, payload: string) => {
      if (!closed) onNotify(channel, payload);
    },
  } as object;
  const conn = postgres(url, {
    ...hooks,
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    fetch_types: false,
    prepare: false,
    connect_timeout: Math.max(1, Math.ceil(openTimeoutMs / 1000)),
    onnotice: () => {},
    onclose: () => {
      if (!open || closed) return;
      closed = true;
      onClose();
    },
    connection: { application_name: 'keyhole-listen' },
  });
  const close = async () => {
    closed = true;
    await conn.end({ timeout: 0 }).catch(() => {});
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      conn.unsafe(channels.map((c) => `listen ${quoteIdent(c)}`).join('; ')),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('LISTEN timed out')), openTimeoutMs);
      }),
    ]);
  } catch (err) {
    await close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  open = true;
  return {
    notify: async (channel, payload) => {
      await conn.unsafe('select pg_notify($1, $2)', [channel, payload]);
    },
    close,
  };
}

async function openPglite(options: {
  dataDir?: string;
  loadDataDir?: Blob;
  lock?: boolean;
}): Promise<KeyholeDatabase> {
  const release = options.dataDir && options.lock !== false ? lockDataDir(options.dataDir) : () => {};
  let client: PGlite;
  try {
    client = await PGlite.create(options.dataDir ? path.resolve(options.dataDir, 'pgdata') : undefined, {
      loadDataDir: options.loadDataDir,
    });
  } catch (err) {
    release();
    throw err;
  }
  const tap = statementTap();
  const db = drizzlePglite({ client, schema, logger: tap.logger }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    query: async <T>(text: string, params: unknown[] = []) => {
      tap.emit(text);
      return (await client.query<T>(text, params)).rows;
    },
    queryValues: async (text: string, params: unknown[] = []) => {
      tap.emit(text);
      return (await client.query<unknown[]>(text, params, { rowMode: 'array' })).rows;
    },
    onStatement: tap.onStatement,
    jobSql: (tx) => {
      const target = tx ? txClient<Pick<PGlite, 'query' | 'exec'>>(tx) : client;
      return {
        executeSql: async (text, values = []) => {
          if (values.length > 0) return { rows: (await target.query(text, values)).rows };
          const results = await target.exec(text);
          return { rows: results.at(-1)?.rows ?? [] };
        },
      };
    },
    openNotifications: async ({ channels, onNotify }) => {
      // One process owns a PGlite database and its notices never travel over a socket: nothing to lose.
      const unlisten = await Promise.all(
        channels.map((channel) => client.listen(channel, (payload) => onNotify(channel, payload))),
      );
      return {
        notify: async (channel, payload) => {
          await client.query('select pg_notify($1, $2)', [channel, payload]);
        },
        close: async () => {
          await Promise.all(unlisten.map((fn) => fn()));
        },
      };
    },
    notify: async (channel, payload) => {
      await client.query('select pg_notify($1, $2)', [channel, payload]);
    },
    migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
    dumpDataDir: () => client.dumpDataDir('none'),
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

/** Applies committed migrations (idempotent). */
export function migrateDatabase(database: KeyholeDatabase): Promise<void> {
  return database.migrate();
}
