import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_BATCH } from '@keyhole/core';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy, TrustProxyError } from './lib/trust-proxy';

/** The repository root: relative paths in the environment are resolved against it, not the cwd. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'on', 'yes'].includes(v)));

/** SPEC §6: `auto` (default), `demo` or `off`; `on`/`true` mean `auto`, `false` means `off`. */
const SEED_MODES: Record<string, SeedMode> = {
  auto: 'auto',
  on: 'auto',
  true: 'auto',
  '1': 'auto',
  yes: 'auto',
  demo: 'demo',
  off: 'off',
  false: 'off',
  '0': 'off',
  no: 'off',
};
export type SeedMode = 'auto' | 'demo' | 'off';
const seedMode = z
  .string()
  .optional()
  .transform((v, ctx): SeedMode => {
    const mode = SEED_MODES[(v ?? 'auto').trim().toLowerCase()];
    if (mode) return mode;
    ctx.addIssue({
      code: 'custom',
      message: `"${v}" is not a seed mode: use auto (the default: seed an empty embedded database outside production), demo (seed any empty database) or off`,
    });
    return z.NEVER;
  });

const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): TrustProxy => {
    try {
      return parseTrustProxy(v);
    } catch (err) {
      if (!(err instanceof TrustProxyError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });

/** A comma list of host names or IP literals (`[::1]` or `::1`), lower-cased; unset or empty = any public host. */
const webhookHosts = z
  .string()
  .optional()
  .transform((v) => {
    const hosts = (v ?? '')
      .split(',')
      .map((h) =>
        h
          .trim()
          .toLowerCase()
          .replace(/^\[(.*)\]$/, '$1'),
      )
      .filter((h) => h.length > 0);
    return hosts.length > 0 ? hosts : null;
  });

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: int(3000, 0, 65535),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
      .optional(),
    KEYHOLE_SECRET: z.string().min(32, 'KEYHOLE_SECRET must be at least 32 characters').optional(),
    KEYHOLE_DATA_DIR: z.string().min(1).default('.keyhole'),
    KEYHOLE_SEED: seedMode,
    KEYHOLE_PUBLIC_URL: z.url().optional(),
    KEYHOLE_ALLOW_SIGNUP: bool(true),
    KEYHOLE_RATE_LIMIT_PER_MINUTE: int(300, 1, 1_000_000),
    KEYHOLE_SIGNIN_LIMIT_PER_MINUTE: int(10, 1, 1_000_000),
    KEYHOLE_REAUTH_MINUTES: int(15, 1, 1440),
    // Sign-ups per client IP and hour, counted before the password is hashed (SPEC §9).
    KEYHOLE_SIGNUP_LIMIT_PER_HOUR: int(20, 1, 1_000_000),
    // Calls of one signed-in user's sessions per minute (SPEC §9 "Sessions").
    KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: int(600, 1, 1_000_000),
    // Password hashes waiting behind the two that run; more are answered 429 server_busy.
    KEYHOLE_PASSWORD_QUEUE: int(16, 0, 10_000),
    // Requests with credentials that fail, per client IP and minute.
    KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: int(60, 1, 1_000_000),
    // log2 of scrypt's N. 17 is OWASP's recommendation; tests lower it through the environment.
    KEYHOLE_PASSWORD_COST: int(17, 4, 20),
    KEYHOLE_USAGE_FLUSH_MS: int(2000, 10, 5000),
    KEYHOLE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    KEYHOLE_TRUST_PROXY: trustProxy,
    KEYHOLE_TRPC_ADAPTER: z.enum(['fast', 'stock']).default('fast'),
    KEYHOLE_MAX_BATCH: int(DEFAULT_MAX_BATCH, 1, 1000),
    KEYHOLE_REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
    // Connect, statement and lock timeout of the statements serving requests (SPEC §9 "Database faults").
    KEYHOLE_DB_TIMEOUT_MS: int(5000, 100, 60_000),
    // SIGTERM: how long in-flight requests may still run before their connections are cut (SPEC §9).
    KEYHOLE_SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
    KEYHOLE_WEBHOOK_ALLOW_HTTP: bool(false),
    KEYHOLE_WEBHOOK_ALLOW_PRIVATE: bool(false),
    KEYHOLE_WEBHOOK_ALLOWED_HOSTS: webhookHosts,
    KEYHOLE_WEBHOOK_WORKERS: int(4, 0, 64),
    // How long a delivery job may stay active before pg-boss takes it for dead (kill -9) and retries it.
    KEYHOLE_WEBHOOK_JOB_EXPIRE_SECONDS: int(60, 15, 3600),
    // SPEC §12: GitHub's secret-scanning public keys (its /meta/public_keys/secret_scanning JSON);
    // unset, POST /secret-scanning/github answers 404.
    KEYHOLE_SECRET_SCANNING_KEYS_FILE: z.string().min(1).optional(),
    // Reports per client IP and minute (GitHub sends a batch per push; a flood is not GitHub).
    KEYHOLE_SECRET_SCANNING_LIMIT_PER_MINUTE: int(120, 1, 1_000_000),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis://')
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL && !env.KEYHOLE_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['KEYHOLE_SECRET'],
        message: 'KEYHOLE_SECRET (at least 32 characters) is required when DATABASE_URL is set',
      });
    }
  });

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  databaseUrl: string | undefined;
  /** Root of HMAC and encryption keys. On PGlite it may come from the data dir instead. */
  secret: string | undefined;
  dataDir: string;
  /** First-start demo seed (SPEC §6): `auto` seeds an empty embedded database outside production only. */
  seed: SeedMode;
  publicUrl: string | undefined;
  allowSignup: boolean;
  rateLimitPerMinute: number;
  signInLimitPerMinute: number;
  /** Step-up (SPEC §5): how long an entered password lets a session create, regenerate or reveal keys. */
  reauthMinutes: number;
  signUpLimitPerHour: number;
  sessionRateLimitPerMinute: number;
  /** How many password hashes may wait for one of the two running ones. */
  passwordQueue: number;
  authFailLimitPerMinute: number;
  passwordCost: number;
  usageFlushMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Which proxies may name the client in X-Forwarded-For (SPEC §9 "Proxies"). */
  trustProxy: TrustProxy;
  /** `fast`: the lean JSON path with the stock adapter behind it; `stock`: tRPC's adapter alone. */
  trpcAdapter: 'fast' | 'stock';
  /** Calls one batch may hold (SPEC §9). */
  maxBatch: number;
  /** The whole request, from its first byte to its last answered byte. */
  requestTimeoutMs: number;
  /**
   * How long a request's statement or transaction may wait for the database (connecting, running,
   * waiting for a lock) before the call is answered 503 `database_unavailable`.
   */
  dbTimeoutMs: number;
  /** On SIGTERM/SIGINT, how long in-flight requests may still run (SPEC §9 "Shutdown"). */
  shutdownGraceMs: number;
  redisUrl: string | undefined;
  /** The secret-scanning partner endpoint (SPEC §12). */
  secretScanning: {
    /** GitHub's public keys file (absolute); undefined: the endpoint is off (404). */
    keysFile: string | undefined;
    /** Reports per client IP and minute. */
    limitPerMinute: number;
  };
  /** Outbound webhook deliveries (SPEC §11 "Outbound safety"). */
  webhooks: {
    /** `http://` destinations allowed (dev and tests); else `https://` only. */
    allowHttp: boolean;
    /** Loopback, private, link-local and multicast destinations allowed (dev and tests). */
    allowPrivate: boolean;
    /** When set, the only destination hosts (tests: loopback, so nothing leaves the machine). */
    allowedHosts: string[] | null;
    /** Delivery workers in this process (each fetches 5 jobs at a time); 0: this process sends none. */
    workers: number;
    /**
     * A delivery job still active this long (its worker died) is retried; the check runs every
     * min(15 s, a quarter of it). Default 60 s (an attempt runs ≤ 10 s); the fault tests lower it.
     */
    jobExpireSeconds: number;
  };
}

export class ConfigError extends Error {}

/** The only reader of process.env. Tests pass their own source. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    secret: e.KEYHOLE_SECRET,
    dataDir: path.resolve(REPO_ROOT, e.KEYHOLE_DATA_DIR),
    seed: e.KEYHOLE_SEED,
    publicUrl: e.KEYHOLE_PUBLIC_URL?.replace(/\/+$/, ''),
    allowSignup: e.KEYHOLE_ALLOW_SIGNUP,
    rateLimitPerMinute: e.KEYHOLE_RATE_LIMIT_PER_MINUTE,
    signInLimitPerMinute: e.KEYHOLE_SIGNIN_LIMIT_PER_MINUTE,
    reauthMinutes: e.KEYHOLE_REAUTH_MINUTES,
    signUpLimitPerHour: e.KEYHOLE_SIGNUP_LIMIT_PER_HOUR,
    sessionRateLimitPerMinute: e.KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE,
    passwordQueue: e.KEYHOLE_PASSWORD_QUEUE,
    authFailLimitPerMinute: e.KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE,
    passwordCost: e.KEYHOLE_PASSWORD_COST,
    usageFlushMs: e.KEYHOLE_USAGE_FLUSH_MS,
    logLevel: e.KEYHOLE_LOG_LEVEL,
    trustProxy: e.KEYHOLE_TRUST_PROXY,
    trpcAdapter: e.KEYHOLE_TRPC_ADAPTER,
    maxBatch: e.KEYHOLE_MAX_BATCH,
    requestTimeoutMs: e.KEYHOLE_REQUEST_TIMEOUT_MS,
    dbTimeoutMs: e.KEYHOLE_DB_TIMEOUT_MS,
    shutdownGraceMs: e.KEYHOLE_SHUTDOWN_GRACE_MS,
    redisUrl: e.REDIS_URL,
    secretScanning: {
      keysFile: e.KEYHOLE_SECRET_SCANNING_KEYS_FILE
        ? path.resolve(REPO_ROOT, e.KEYHOLE_SECRET_SCANNING_KEYS_FILE)
        : undefined,
      limitPerMinute: e.KEYHOLE_SECRET_SCANNING_LIMIT_PER_MINUTE,
    },
    webhooks: {
      allowHttp: e.KEYHOLE_WEBHOOK_ALLOW_HTTP,
      allowPrivate: e.KEYHOLE_WEBHOOK_ALLOW_PRIVATE,
      allowedHosts: e.KEYHOLE_WEBHOOK_ALLOWED_HOSTS,
      workers: e.KEYHOLE_WEBHOOK_WORKERS,
      jobExpireSeconds: e.KEYHOLE_WEBHOOK_JOB_EXPIRE_SECONDS,
    },
  };
}
