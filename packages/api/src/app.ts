import { KeyUsageRecorder } from './auth/key-usage-recorder';
import { VerifiedKeyCache } from './auth/verified-key-cache';
import { createDatabase, type Database, type KeyholeDatabase } from './db/create-database';
import { readOrCreateSecret } from './db/data-dir';
import { JobQueue } from './db/job-queue';
import type { AppDeps } from './deps';
import type { Config } from './env';
import { ChangeFeed } from './lib/change-feed';
import { type Clock, systemClock } from './lib/clock';
import { createKeyring } from './lib/keyring';
import { LIMITS } from './lib/limits';
import { createLogger, type Logger } from './lib/logger';
import type { Lookup } from './lib/outbound/outbound-policy';
import { createPasswordHasher } from './lib/password';
import { createWindowCounter } from './lib/rate-limiter';
import { ReadGate } from './lib/read-gate';
import { createRedisConnection } from './lib/redis-connection';
import { loadSecretScanningKeys } from './lib/secret-scanning-keys';
import { VERSION } from './lib/version';
import { startDeliveryWorker } from './services/webhooks/delivery-worker';

export interface App {
  deps: AppDeps;
  /** Stops background work, flushes what is buffered, then closes the database. */
  close(): Promise<void>;
}

export interface AppOverrides {
  database?: KeyholeDatabase;
  clock?: Clock;
  logger?: Logger;
  /** Root secret to use instead of the config's (tests). */
  secret?: string;
  /** How webhook destinations are resolved (tests). */
  outboundLookup?: Lookup;
}

/**
 * Opens the database the config names: PostgreSQL with DATABASE_URL, else PGlite in the data dir.
 * `requests: false` (CLI commands) leaves out the request timeouts (KEYHOLE_DB_TIMEOUT_MS).
 */
export function openConfiguredDatabase(
  config: Config,
  { requests = true }: { requests?: boolean } = {},
): Promise<KeyholeDatabase> {
  return config.databaseUrl
    ? createDatabase({
        kind: 'postgres',
        url: config.databaseUrl,
        ...(requests ? { timeoutMs: config.dbTimeoutMs } : {}),
      })
    : createDatabase({ kind: 'pglite', dataDir: config.dataDir });
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  // Before anything opens: a keys file that cannot serve stops the start with its name.
  const secretScanningKeys = config.secretScanning.keysFile
    ? loadSecretScanningKeys(config.secretScanning.keysFile)
    : null;
  const database = overrides.database ?? (await openConfiguredDatabase(config));
  const secret =
    overrides.secret ??
    config.secret ??
    (database.kind === 'pglite' ? readOrCreateSecret(config.dataDir) : undefined);
  if (!secret) throw new Error('KEYHOLE_SECRET is required with DATABASE_URL');
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const redisConnection = config.redisUrl ? createRedisConnection(config.redisUrl, logger) : null;
  // Counted in Redis from the first request: a refused or silent Redis costs the start at most 1 s
  // (counts stay in memory until it answers, as during any outage).
  if (redisConnection) await redisConnection.ready(1000);
  const redis = redisConnection?.redis ?? null;
  const counter = (name: string, windowSeconds = 60) =>
    createWindowCounter({ name, windowSeconds, redis: redis ?? undefined });
  const changes = new ChangeFeed(database, logger);
  await changes.start();
  const keyCache = new VerifiedKeyCache({ heardUpToMs: () => changes.heardUpToMs() });
  const stopKeyCache = changes.subscribe((event) => keyCache.handle(event));
  const keyUsage = new KeyUsageRecorder(database.db, logger, config.usageFlushMs);
  keyUsage.start();
  const jobs = new JobQueue<Database>(
    database,
    {
      expireInSeconds: config.webhooks.jobExpireSeconds,
      maintenanceIntervalSeconds: Math.min(15, Math.max(1, Math.floor(config.webhooks.jobExpireSeconds / 4))),
    },
    (err) => logger.warn({ err }, 'job queue error; it keeps going'),
  );
  const deps: AppDeps = {
    config,
    database,
    db: database.db,
    clock: overrides.clock ?? systemClock,
    logger,
    keyring: createKeyring(secret),
    version: VERSION,
    passwords: createPasswordHasher({ queue: config.passwordQueue }),
    redis,
    counters: {
      keyCalls: counter('key'),
      authFailures: counter('authfail'),
      signInPerEmailIp: counter('signin-email-ip'),
      signInPerIp: counter('signin-ip'),
      signUpPerIp: counter('signup-ip', 3600),
      sessionCalls: counter('session'),
      secretScanningPerIp: counter('secret-scanning-ip'),
    },
    secretScanningKeys,
    changes,
    keyCache,
    keyUsage,
    jobs,
    ...(overrides.outboundLookup ? { outboundLookup: overrides.outboundLookup } : {}),
    readGate: new ReadGate({
      capacity: LIMITS.readGateMeetings,
      maxWaiting: LIMITS.readGateMaxWaiting,
      maxWaitMs: LIMITS.readGateMaxWaitMs,
    }),
    // Run last-registered first: usage is written while the database is still open.
    onClose: [
      () => changes.stop(),
      async () => {
        stopKeyCache();
      },
      () => keyUsage.stop(),
    ],
  };
  // Registered last, so stopped first: jobs in hand finish while the database is open.
  deps.onClose.push(await startDeliveryWorker(deps, { concurrency: config.webhooks.workers }));
  return {
    deps,
    close: async () => {
      for (const stop of [...deps.onClose].reverse()) {
        try {
          await stop();
        } catch (err) {
          deps.logger.error({ err }, 'error while shutting down');
        }
      }
      if (redisConnection) await redisConnection.close();
      await database.close();
    },
  };
}
