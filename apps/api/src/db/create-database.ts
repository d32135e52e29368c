import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { lockDataDir } from './data-dir';
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
  /** Calls `fn` with the text of every statement this process sends (tests count them); returns an unsubscribe. */
  onStatement(fn: (sql: string) => void): () => void;
  close(): Promise<void>;
}

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
  | { kind: 'postgres'; url: string; max?: number; migrate?: boolean }
  /**
   * dataDir undefined = in memory (tests). The database files live in `<dataDir>/pgdata`; the lock and
   * the generated secret sit beside them.
   */
  | { kind: 'pglite'; dataDir?: string; migrate?: boolean; loadDataDir?: Blob; lock?: boolean };

export async function createDatabase(options: DatabaseOptions): Promise<KeyholeDatabase> {
  const database = options.kind === 'postgres' ? await openPostgres(options) : await openPglite(options);
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

async function openPostgres(options: { url: string; max?: number }): Promise<KeyholeDatabase> {
  const client = postgres(options.url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Dates arrive as Date, bigint counts as number (usage counts stay far below 2^53).
    types: { bigint: postgres.BigInt },
    connection: { application_name: 'keyhole' },
  });
  // drizzle sends every statement unnamed, so PostgreSQL plans it again on each call. Our statements
  // come from a small, fixed set of query shapes (values travel as parameters), so let postgres.js
  // prepare each shape once per connection and reuse the plan.
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((text: string, args?: unknown[], opts?: { prepare?: boolean }) =>
    unsafe(text, args as never[], { ...opts, prepare: opts?.prepare ?? true })) as typeof client.unsafe;
  const tap = statementTap();
  const db = drizzlePostgres({ client, schema, logger: tap.logger }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
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
    openNotifications: (opts) => openPostgresNotifications(options.url, opts),
    notify: async (channel, payload) => {
      await client.notify(channel, payload);
    },
    dumpDataDir: () => Promise.reject(new Error('dumpDataDir is for PGlite only')),
    migrate: async () => {
      // The lock belongs to one connection, so hold it on a reserved one while the pool migrates.
      const lockConn = await client.reserve();
      try {
        await lockConn`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
        try {
          await migratePostgres(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
        } finally {
          await lockConn`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
        }
      } finally {
        lockConn.release();
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
