import type * as Crypto from 'node:crypto';
import { hashPassword } from '@keyhole/api/internal/lib/password';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { seedOrg, seedUser } from '../support/seed';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { expectNoSecretsLeaked } from './secret-hygiene';
import { expectWellFormedAnswer, outcomeOf, randomIp, Wire } from './wire';

/**
 * Sign-in abuse (SPEC §4, §5): password guessing from one address is cut off with 429 without
 * locking the account for its owner elsewhere, and an unknown email costs the same password hash
 * as a known one, so the answer time does not tell which emails exist. The hash is observed where
 * it runs — node:crypto's scrypt, wrapped in a spy — rather than inferred from timings; the two
 * answer times are reported, not asserted (they depend on the machine).
 *
 * More limit cases (per-IP spraying, the count starting afresh after a success, changePassword
 * guesses) are in test/accounts/http.test.ts and test/accounts/auth.test.ts.
 */

const scryptCalls: { N: number; keylen: number; saltLength: number }[] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  const scrypt = ((
    password: Crypto.BinaryLike,
    salt: Crypto.BinaryLike,
    keylen: number,
    options: Crypto.ScryptOptions,
    cb: (err: Error | null, key: Buffer) => void,
  ) => {
    scryptCalls.push({ N: options.N ?? 0, keylen, saltLength: Buffer.byteLength(salt as Buffer) });
    return real.scrypt(password, salt, keylen, options, cb);
  }) as typeof real.scrypt;
  return { ...real, default: { ...real, scrypt }, scrypt };
});

const COST = 13;
const PAIR_LIMIT = 5;
const PASSWORD = 'sign-in abuse password 42';
let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let wire: Wire;
let email: string;
let deactivatedEmail: string;

beforeAll(async () => {
  app = await createTestApp({
    env: {
      KEYHOLE_TRUST_PROXY: '1',
      KEYHOLE_SIGNIN_LIMIT_PER_MINUTE: String(PAIR_LIMIT),
      KEYHOLE_PASSWORD_COST: String(COST),
      KEYHOLE_LOG_LEVEL: 'trace',
    },
  });
  server = await startTestServer(app);
  wire = new Wire(server.url);
  const org = await seedOrg(app.deps.db);
  const passwordHash = await hashPassword(PASSWORD, COST);
  email = (await seedUser(app.deps.db, { orgId: org.id, passwordHash })).email;
  deactivatedEmail = (await seedUser(app.deps.db, { orgId: org.id, passwordHash, status: 'deactivated' }))
    .email;
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

const signIn = (e: string, password: string, ip = randomIp()) =>
  wire.mutation('auth.signIn', { email: e, password }, { 'x-forwarded-for': ip });

describe('password guessing from one address', () => {
  beforeEach(() => {
    scryptCalls.length = 0;
  });

  it('gets 429 rate_limited with Retry-After after the limit, whatever the password, and hashes nothing then', async () => {
    const ip = randomIp();
    for (let i = 0; i < PAIR_LIMIT; i++) {
      const r = await signIn(email, `guess number ${i} wrong`, ip);
      expectWellFormedAnswer(r, 'guess');
      expect(outcomeOf(r)).toBe('UNAUTHORIZED');
    }
    expect(scryptCalls).toHaveLength(PAIR_LIMIT);
    for (const password of ['another wrong guess', PASSWORD]) {
      const limited = await signIn(email.toUpperCase(), password, ip);
      expect(outcomeOf(limited)).toBe('TOO_MANY_REQUESTS/rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(limited.headers.get('set-cookie')).toBeNull();
    }
    // Refused before any hash: guessing past the limit costs the server nothing.
    expect(scryptCalls).toHaveLength(PAIR_LIMIT);
  });

  it('does not lock the account: its owner signs in from another address at once', async () => {
    const ip = randomIp();
    for (let i = 0; i < PAIR_LIMIT + 3; i++) await signIn(email, 'attacker guess', ip);
    expect(outcomeOf(await signIn(email, PASSWORD, ip))).toBe('TOO_MANY_REQUESTS/rate_limited');
    const owner = await signIn(email, PASSWORD, randomIp());
    expect(outcomeOf(owner)).toBe('OK');
    expect(owner.headers.get('set-cookie')).toMatch(/^keyhole_session=/);
  });
});

describe('unicode case variants of one email (SPEC §9 "Sign-in limits")', () => {
  it('share one counter: the database matches admİn@… (U+0130) to admin@…, so must the limit', async () => {
    const account = `admin-${Date.now().toString(36)}@example.test`;
    const org = await seedOrg(app.deps.db);
    await seedUser(app.deps.db, {
      orgId: org.id,
      email: account,
      passwordHash: await hashPassword(PASSWORD, COST),
    });
    const dotted = account.replace('admin', 'admİn');
    // The database's lower() maps İ to i: the dotted spelling is the same account.
    expect(outcomeOf(await signIn(dotted, PASSWORD))).toBe('OK');
    const ip = randomIp();
    const guesses = [account, account.toUpperCase(), dotted, dotted.toUpperCase(), account.replace('a', 'A')];
    for (const variant of guesses.slice(0, PAIR_LIMIT)) {
      expect(outcomeOf(await signIn(variant, 'a wrong guess', ip)), variant).toBe('UNAUTHORIZED');
    }
    // The right password through yet another spelling, from the same address: limited like the rest.
    expect(outcomeOf(await signIn(dotted.replace('test', 'TEST'), PASSWORD, ip))).toBe(
      'TOO_MANY_REQUESTS/rate_limited',
    );
    expect(outcomeOf(await signIn(account, PASSWORD, ip))).toBe('TOO_MANY_REQUESTS/rate_limited');
    // The owner, elsewhere, is not locked out.
    expect(outcomeOf(await signIn(dotted, PASSWORD, randomIp()))).toBe('OK');
  });

  it('an unknown email is counted by its database-normalised form: its variants share one counter too', async () => {
    const ghost = `nobody-in-${Date.now().toString(36)}@example.test`;
    const ip = randomIp();
    for (let i = 0; i < PAIR_LIMIT; i++) {
      const variant = i % 2 === 0 ? ghost : ghost.replace('-in-', '-İn-');
      expect(outcomeOf(await signIn(variant, 'whatever', ip))).toBe('UNAUTHORIZED');
    }
    expect(outcomeOf(await signIn(ghost.replace('-in-', '-İN-'), 'whatever', ip))).toBe(
      'TOO_MANY_REQUESTS/rate_limited',
    );
  });
});

describe('an unknown email costs the same password hash as a known one', () => {
  beforeEach(() => {
    scryptCalls.length = 0;
  });

  it('every sign-in path runs exactly one scrypt with the same parameters', async () => {
    // The dummy hash for unknown emails is made once per process; make it before counting.
    await signIn(`warm-up-${Date.now()}@example.test`, 'whatever password');
    const paths = {
      'unknown email': () => signIn(`nobody-${Date.now()}@example.test`, 'a wrong password'),
      'known email, wrong password': () => signIn(email, 'a wrong password'),
      'known email, right password': () => signIn(email, PASSWORD),
      'deactivated account, right password': () => signIn(deactivatedEmail, PASSWORD),
    };
    const seen: Record<string, { outcome: string; calls: typeof scryptCalls }> = {};
    for (const [label, run] of Object.entries(paths)) {
      scryptCalls.length = 0;
      const r = await run();
      seen[label] = { outcome: outcomeOf(r), calls: [...scryptCalls] };
    }
    expect(seen['unknown email']!.outcome).toBe('UNAUTHORIZED');
    expect(seen['known email, wrong password']!.outcome).toBe('UNAUTHORIZED');
    expect(seen['known email, right password']!.outcome).toBe('OK');
    expect(seen['deactivated account, right password']!.outcome).toBe('FORBIDDEN');
    const expected = [{ N: 2 ** COST, keylen: 32, saltLength: 16 }];
    for (const [label, { calls }] of Object.entries(seen)) expect(calls, label).toEqual(expected);
  });

  it('reports the answer times of an unknown email and of a wrong password (not asserted)', async () => {
    const time = async (e: string) => {
      const started = performance.now();
      await signIn(e, 'definitely not it');
      return performance.now() - started;
    };
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i++) {
      known.push(await time(email));
      unknown.push(await time(`ghost-${i}-${Date.now()}@example.test`));
    }
    expect(scryptCalls).toHaveLength(18);
    console.log(
      `sign-in answer time (scrypt N=2^${COST}, median of 9): unknown email ${median(unknown).toFixed(1)} ms, known email with a wrong password ${median(known).toFixed(1)} ms`,
    );
  });
});

describe('secret hygiene of this file', () => {
  it('no password in any log line, error body, audit row or table', async () => {
    await expectNoSecretsLeaked({
      database: app.database,
      texts: { log: app.logs.lines, 'error body': wire.errorBodies },
      secrets: [],
      passwords: [
        PASSWORD,
        'a wrong password',
        'attacker guess',
        'definitely not it',
        'another wrong guess',
        'a wrong guess',
      ],
    });
  });
});
