import type * as Crypto from 'node:crypto';
import { uniqueIpv6 } from '@keyhole/testing/ips';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { outcomeOf, Wire, type WireResult } from '../security/wire';
import { seedOrg, seedUser } from '../support/seed';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { PASSWORD, uniqueEmail } from './account-helpers';

/**
 * SPEC §9 "Sign-up" (audit finding 4): sign-up is limited per client IP, counted before any password
 * is hashed; password hashing runs at most two at a time per process, and a bounded queue beyond that
 * answers 429 `server_busy` with Retry-After — for every procedure that hashes or checks a password.
 *
 * Concurrency is observed where it happens, in node:crypto's scrypt, wrapped by a mock that can hold
 * each call's completion until the test lets it go: no wall-clock timing is asserted anywhere.
 */

const scrypt = vi.hoisted(() => ({
  calls: 0,
  inFlight: 0,
  maxInFlight: 0,
  holding: false,
  held: [] as (() => void)[],
  release() {
    this.holding = false;
    for (const run of this.held.splice(0)) run();
  },
}));

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  const wrapped = ((
    password: Crypto.BinaryLike,
    salt: Crypto.BinaryLike,
    keylen: number,
    options: Crypto.ScryptOptions,
    cb: (err: Error | null, key: Buffer) => void,
  ) => {
    scrypt.calls++;
    scrypt.inFlight++;
    scrypt.maxInFlight = Math.max(scrypt.maxInFlight, scrypt.inFlight);
    const run = () =>
      real.scrypt(password, salt, keylen, options, (err, key) => {
        scrypt.inFlight--;
        cb(err, key);
      });
    if (scrypt.holding) scrypt.held.push(run);
    else run();
  }) as typeof real.scrypt;
  return { ...real, default: { ...real, scrypt: wrapped }, scrypt: wrapped };
});

const SIGNUP_LIMIT = 3;
const QUEUE = 4;
let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let wire: Wire;

beforeAll(async () => {
  app = await createTestApp({
    env: {
      KEYHOLE_TRUST_PROXY: '1',
      KEYHOLE_SIGNUP_LIMIT_PER_HOUR: String(SIGNUP_LIMIT),
      KEYHOLE_PASSWORD_QUEUE: String(QUEUE),
    },
  });
  server = await startTestServer(app);
  wire = new Wire(server.url);
});
afterAll(async () => {
  scrypt.release();
  await server?.close();
  await app?.close();
});
beforeEach(() => {
  scrypt.release();
  scrypt.maxInFlight = scrypt.inFlight;
});

const signUp = (ip = uniqueIpv6(), email = uniqueEmail('load')) =>
  wire.mutation(
    'auth.signUp',
    { orgName: 'Load Org', name: 'Lou', email, password: PASSWORD },
    { 'x-forwarded-for': ip },
  );

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

function expectBusy(r: WireResult, label: string) {
  expect(outcomeOf(r), label).toBe('TOO_MANY_REQUESTS/server_busy');
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1, `${label}: Retry-After ${retryAfter}`).toBe(true);
}

describe('sign-up per client IP', () => {
  it(`allows ${SIGNUP_LIMIT} sign-ups an hour from one address, then 429 rate_limited with Retry-After and no hash`, async () => {
    const ip = uniqueIpv6();
    for (let i = 0; i < SIGNUP_LIMIT; i++) expect(outcomeOf(await signUp(ip)), `sign-up ${i}`).toBe('OK');
    const before = scrypt.calls;
    const limited = await signUp(ip);
    expect(outcomeOf(limited)).toBe('TOO_MANY_REQUESTS/rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
    expect(limited.headers.get('set-cookie')).toBeNull();
    expect(scrypt.calls - before).toBe(0);
    // Another address is not affected.
    expect(outcomeOf(await signUp(uniqueIpv6()))).toBe('OK');
  });

  it('counts each call of a batch, before hashing', async () => {
    const ip = uniqueIpv6();
    const calls = 5;
    const input = Object.fromEntries(
      Array.from({ length: calls }, (_, i) => [
        String(i),
        { orgName: 'Batch Org', name: 'Bat', email: uniqueEmail('batch'), password: PASSWORD },
      ]),
    );
    const before = scrypt.calls;
    const r = await wire.send({
      method: 'POST',
      path: `${Array(calls).fill('auth.signUp').join(',')}?batch=1`,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify(input),
    });
    const envelopes = r.json as { result?: unknown; error?: { data: { reason?: string } } }[];
    expect(envelopes.filter((e) => e.result).length).toBe(SIGNUP_LIMIT);
    expect(envelopes.filter((e) => e.error?.data.reason === 'rate_limited').length).toBe(
      calls - SIGNUP_LIMIT,
    );
    expect(scrypt.calls - before).toBe(SIGNUP_LIMIT);
  });

  it('a taken email costs the same one hash as a new one (no timing oracle), then CONFLICT', async () => {
    const email = uniqueEmail('taken');
    let before = scrypt.calls;
    expect(outcomeOf(await signUp(uniqueIpv6(), email))).toBe('OK');
    expect(scrypt.calls - before).toBe(1);
    before = scrypt.calls;
    expect(outcomeOf(await signUp(uniqueIpv6(), email.toUpperCase()))).toBe('CONFLICT');
    expect(scrypt.calls - before).toBe(1);
  });
});

describe('password hashing: at most two at a time, a bounded queue, then server_busy', () => {
  it(`runs 2 scrypt calls at once, queues ${QUEUE}, refuses the rest with 429 server_busy and Retry-After`, async () => {
    const extra = 3;
    const total = 2 + QUEUE + extra;
    scrypt.holding = true;
    const answers: WireResult[] = [];
    const pending = Array.from({ length: total }, () =>
      signUp().then((r) => {
        answers.push(r);
        return r;
      }),
    );
    // Every request is either hashing (held), or answered; with the gate, `extra` are refused while
    // two hash and QUEUE wait. Without it every request would be hashing at once.
    await until(
      'every sign-up to hash or be answered',
      () => scrypt.inFlight + answers.length >= total || (scrypt.inFlight === 2 && answers.length === extra),
    );
    expect(scrypt.inFlight).toBeLessThanOrEqual(2);
    expect(answers).toHaveLength(extra);
    for (const r of answers) expectBusy(r, 'refused sign-up');
    scrypt.release();
    const all = await Promise.all(pending);
    expect(all.filter((r) => outcomeOf(r) === 'OK')).toHaveLength(2 + QUEUE);
    expect(scrypt.maxInFlight).toBe(2);
  });

  it('sign-in, change password and members.add go through the same gate', async () => {
    const up = await signUp();
    expect(outcomeOf(up)).toBe('OK');
    const cookie = up.headers.getSetCookie()[0]!.split(';')[0]!;
    const org = await seedOrg(app.deps.db);
    const known = await seedUser(app.deps.db, { orgId: org.id });
    scrypt.holding = true;
    const filling = Array.from({ length: 2 + QUEUE }, () => signUp());
    await until('two hashing and the queue full', () => {
      const s = app.deps.passwords.stats();
      return s.running === 2 && s.queued === QUEUE;
    });
    expect(scrypt.inFlight).toBe(2);
    expectBusy(
      await wire.mutation('auth.signIn', { email: known.email, password: 'any password' }),
      'signIn',
    );
    expectBusy(
      await wire.mutation('auth.signIn', { email: uniqueEmail('nobody'), password: 'any password' }),
      'signIn of an unknown email',
    );
    expectBusy(
      await wire.mutation(
        'auth.changePassword',
        { currentPassword: PASSWORD, newPassword: 'a brand new password' },
        { cookie },
      ),
      'changePassword',
    );
    expectBusy(
      await wire.mutation(
        'members.add',
        { email: uniqueEmail('m'), name: 'Mo', role: 'member', password: PASSWORD },
        { cookie },
      ),
      'members.add',
    );
    expect(scrypt.inFlight).toBe(2);
    scrypt.release();
    for (const r of await Promise.all(filling)) expect(outcomeOf(r)).toBe('OK');
    // Once the queue drains the same calls work again.
    expect(
      outcomeOf(
        await wire.mutation(
          'auth.changePassword',
          { currentPassword: PASSWORD, newPassword: 'a brand new password' },
          { cookie },
        ),
      ),
    ).toBe('OK');
    expect(scrypt.maxInFlight).toBe(2);
  });
});
