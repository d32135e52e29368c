import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ServerBusyError } from './server-busy';

/**
 * scrypt with OWASP's cost (N = 2^17, r = 8, p = 1) by default; tests lower N through
 * KEYHOLE_PASSWORD_COST. The parameters are stored with the hash so the cost can change later.
 */
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r bytes or Node refuses the cost.
    scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: 256 * N * R }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, logN);
  return `scrypt$${logN}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, logN, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !logN || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), Number(logN));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** For unknown emails: a hash made once per cost and checked against, like a real account's. */
const dummyHashes = new Map<number, Promise<string>>();

/** Each scrypt call at the default cost holds 128 MiB: SPEC §9 allows two at a time per process. */
export const PASSWORD_HASH_CONCURRENCY = 2;

/**
 * Every password hash and check of a process goes through one of these: at most two scrypt calls
 * run at once, up to `queue` more wait in order, and beyond that the call fails at once with
 * `ServerBusyError` (429 `server_busy`) instead of piling up memory and latency.
 */
export interface PasswordHasher {
  /** `logN` is the configured cost (`deps.config.passwordCost`); checks read theirs from the hash. */
  hash(password: string, logN: number): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** For unknown emails: the same cost as a real check, so the answer time does not tell. */
  burn(password: string, logN: number): Promise<void>;
  /** What runs and what waits, for tests and diagnostics. */
  stats(): { running: number; queued: number };
}

export function createPasswordHasher(opts: { queue: number; concurrency?: number }): PasswordHasher {
  const concurrency = opts.concurrency ?? PASSWORD_HASH_CONCURRENCY;
  let running = 0;
  const waiting: (() => void)[] = [];
  // A running estimate of one hash's duration, for Retry-After only (never for a decision).
  let averageMs = 500;

  const retryAfterSeconds = () =>
    Math.max(1, Math.ceil((((running + waiting.length) / concurrency) * averageMs) / 1000));

  async function gated<T>(work: () => Promise<T>): Promise<T> {
    if (running < concurrency) running++;
    else if (waiting.length < opts.queue) await new Promise<void>((resolve) => waiting.push(resolve));
    else throw new ServerBusyError(retryAfterSeconds(), 'checking passwords');
    const started = performance.now();
    try {
      return await work();
    } finally {
      averageMs = averageMs * 0.8 + (performance.now() - started) * 0.2;
      // The slot passes straight to the next in line, so `running` never dips below what waits.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  return {
    hash: (password, logN) => gated(() => hashPassword(password, logN)),
    verify: (password, stored) => gated(() => verifyPassword(password, stored)),
    burn: async (password, logN) => {
      let dummy = dummyHashes.get(logN);
      if (!dummy) {
        dummy = gated(() => hashPassword('not-a-real-password', logN));
        dummyHashes.set(logN, dummy);
        // A refused first attempt must not poison the cache.
        dummy.catch(() => dummyHashes.delete(logN));
      }
      const stored = await dummy;
      await gated(() => verifyPassword(password, stored));
    },
    stats: () => ({ running, queued: waiting.length }),
  };
}
