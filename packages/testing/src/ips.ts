import { randomBytes, randomInt } from 'node:crypto';

/**
 * Client addresses for tests: random, so per-IP counters (sign-in, key-failure budgets) of one test
 * never spill into another — nor into another file or an earlier run, since with REDIS_URL the
 * counters outlive the process.
 */

/** A random address in 10.0.0.0/8 (never a .0 or .255 host). */
export const uniqueIp = (): string => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

/**
 * A random address under a two-octet prefix, e.g. `uniqueIpIn('198.51')` (TEST-NET-2) or
 * `uniqueIpIn('198.18')` (the benchmarking range).
 */
export const uniqueIpIn = (prefix: `${number}.${number}`): string => {
  const b = randomBytes(2);
  return `${prefix}.${b[0]}.${b[1]}`;
};

/** A random IPv6 address in the documentation prefix 2001:db8::/32. */
export const uniqueIpv6 = (): string =>
  `2001:db8:${[...randomBytes(12).toString('hex').matchAll(/.{4}/g)].join(':')}`;
