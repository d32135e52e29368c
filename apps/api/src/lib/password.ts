import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

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

/**
 * Run for unknown emails so that "no such user" costs the same time as "wrong password".
 * The hash is made once per cost and reused.
 */
const dummyHashes = new Map<number, Promise<string>>();
export async function burnPasswordCheck(password: string, logN: number): Promise<void> {
  let dummy = dummyHashes.get(logN);
  if (!dummy) {
    dummy = hashPassword('not-a-real-password', logN);
    dummyHashes.set(logN, dummy);
  }
  await verifyPassword(password, await dummy);
}
