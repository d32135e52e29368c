import type { Redis } from 'ioredis';
import type { KeyUsageRecorder } from './auth/key-usage-recorder';
import type { VerifiedKeyCache } from './auth/verified-key-cache';
import type { Database, KeyholeDatabase } from './db/create-database';
import type { JobQueue } from './db/job-queue';
import type { Config } from './env';
import type { ChangeFeed } from './lib/change-feed';
import type { Clock } from './lib/clock';
import type { Keyring } from './lib/keyring';
import type { Logger } from './lib/logger';
import type { Lookup } from './lib/outbound/outbound-policy';
import type { PasswordHasher } from './lib/password';
import type { WindowCounter } from './lib/rate-limiter';
import type { ReadGate } from './lib/read-gate';
import type { SecretScanningKeys } from './lib/secret-scanning-keys';

/**
 * Everything a request may touch, built once per process by `createApp` and handed to every
 * procedure through the context. Tests build their own with a test database and a manual clock.
 */
export interface AppDeps {
  config: Config;
  database: KeyholeDatabase;
  db: Database;
  clock: Clock;
  logger: Logger;
  keyring: Keyring;
  version: string;
  /** Every password hash and check: two at a time per process, a bounded queue, then server_busy. */
  passwords: PasswordHasher;
  /** Set when REDIS_URL is: rate-limit counters shared by every API process. */
  redis: Redis | null;
  /** Fixed-window counters; in Redis when configured, else in memory. */
  counters: {
    /** Per API key, every procedure call (SPEC §4). */
    keyCalls: WindowCounter;
    /** Requests whose credentials failed, per client IP. */
    authFailures: WindowCounter;
    /** Sign-in attempts per (email, IP) pair. */
    signInPerEmailIp: WindowCounter;
    /** Sign-in attempts per IP. */
    signInPerIp: WindowCounter;
    /** Sign-ups per IP, in a one-hour window. */
    signUpPerIp: WindowCounter;
    /** Calls made with a signed-in user's sessions (SPEC §9 "Sessions"). */
    sessionCalls: WindowCounter;
    /** Leak reports per client IP (SPEC §12). */
    secretScanningPerIp: WindowCounter;
  };
  /** The keys leak reports are signed with (loaded at startup); null: the endpoint is off. */
  secretScanningKeys: SecretScanningKeys | null;
  /** Changes that caches of verified keys must hear about, in this process and every other one. */
  changes: ChangeFeed;
  /** Keys verified by this process; evicted by `changes`. */
  keyCache: VerifiedKeyCache;
  /** Key usage counted in memory and written in batches (no database write per request). */
  keyUsage: KeyUsageRecorder;
  /** Bounds the meetings that large reads hold in memory at once across the process. */
  readGate: ReadGate;
  /** The job queue shared by every API process (webhook deliveries). */
  jobs: JobQueue<Database>;
  /** How webhook destinations are resolved (tests answer for names; default: the system resolver). */
  outboundLookup?: Lookup;
  /** Background work to stop (and flush) at shutdown, last registered first. */
  onClose: (() => Promise<void>)[];
}
