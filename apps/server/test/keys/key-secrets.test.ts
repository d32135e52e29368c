import {
  decryptKeySecret,
  encryptKeySecret,
  hashesMatch,
  hashKeySecret,
  storeKeySecret,
} from '@keyhole/api/internal/auth/key-secrets';
import { parseAuthorization } from '@keyhole/api/internal/auth/parse-authorization';
import { createKeyring } from '@keyhole/api/internal/lib/keyring';
import { generateKey } from '@keyhole/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const keyring = createKeyring('unit-test-root-secret-of-at-least-32-chars');
const otherKeyring = createKeyring('another-root-secret-of-at-least-32-chars!');

describe('secret storage', () => {
  it('HMACs are deterministic per root secret and differ across root secrets', () => {
    const { secret } = generateKey();
    expect(hashKeySecret(keyring, secret)).toEqual(hashKeySecret(keyring, secret));
    expect(hashKeySecret(keyring, secret)).toHaveLength(32);
    expect(hashKeySecret(otherKeyring, secret)).not.toEqual(hashKeySecret(keyring, secret));
  });

  it('hashesMatch compares in full and never matches a wiped hash', () => {
    const a = hashKeySecret(keyring, 'a');
    expect(hashesMatch(a, hashKeySecret(keyring, 'a'))).toBe(true);
    expect(hashesMatch(a, hashKeySecret(keyring, 'b'))).toBe(false);
    expect(hashesMatch(null, a)).toBe(false);
    expect(hashesMatch(a.subarray(0, 16), a)).toBe(false);
    expect(hashesMatch(new Uint8Array(0), Buffer.alloc(0))).toBe(true);
  });

  it('AES-GCM round-trips any secret, with a fresh iv each time', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (secret) => {
        const blob = encryptKeySecret(keyring, 'kh_client', secret);
        expect(decryptKeySecret(keyring, 'kh_client', blob)).toBe(secret);
      }),
    );
    const { clientKey, secret } = generateKey();
    const one = encryptKeySecret(keyring, clientKey, secret);
    const two = encryptKeySecret(keyring, clientKey, secret);
    expect(one.subarray(0, 12)).not.toEqual(two.subarray(0, 12));
    expect(one).not.toEqual(two);
  });

  it('refuses tampered blobs, other root secrets and blobs moved to another client key', () => {
    const { clientKey, secret } = generateKey();
    const { secretCiphertext } = storeKeySecret(keyring, clientKey, secret);
    expect(decryptKeySecret(keyring, clientKey, secretCiphertext)).toBe(secret);
    expect(decryptKeySecret(otherKeyring, clientKey, secretCiphertext)).toBeNull();
    expect(decryptKeySecret(keyring, generateKey().clientKey, secretCiphertext)).toBeNull();
    for (const at of [0, 12, 28, secretCiphertext.length - 1]) {
      const tampered = Buffer.from(secretCiphertext);
      tampered[at] = (tampered[at] ?? 0) ^ 1;
      expect(decryptKeySecret(keyring, clientKey, tampered)).toBeNull();
    }
    expect(decryptKeySecret(keyring, clientKey, secretCiphertext.subarray(0, 28))).toBeNull();
  });
});

describe('parseAuthorization', () => {
  const { clientKey, secret, keyString } = generateKey();
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it.each([
    ['Bearer', `Bearer ${keyString}`],
    ['bearer, lower case', `bearer ${keyString}`],
    ['mixed case', `BeArEr ${keyString}`],
    ['surrounding and inner white space', `\t Bearer   ${keyString} \t`],
    ['Basic', `Basic ${b64(keyString)}`],
    ['Basic without padding', `Basic ${b64(keyString).replace(/=+$/, '')}`],
  ])('accepts %s', (_name, header) => {
    expect(parseAuthorization(header)).toEqual({ clientKey, secret });
  });

  it('accepts imported legacy keys with dots and dashes, in both forms', () => {
    const legacy = { clientKey: 'acme-live.2019', secret: 'S3cr3t_value-with.dots' };
    expect(parseAuthorization('Bearer acme-live.2019:S3cr3t_value-with.dots')).toEqual(legacy);
    expect(parseAuthorization(`Basic ${b64('acme-live.2019:S3cr3t_value-with.dots')}`)).toEqual(legacy);
  });

  it.each([
    ['empty', ''],
    ['scheme only', 'Bearer'],
    ['no scheme', keyString],
    ['unknown scheme', `Token ${keyString}`],
    ['three parts', `Bearer ${keyString} x`],
    ['no colon', `Bearer ${clientKey}`],
    ['second colon', `Bearer ${keyString}:x`],
    ['non-base64 Basic', 'Basic %%%%'],
    ['Basic with a bad length', 'Basic abcde'],
    ['Basic with misplaced padding', `Basic ab=c${b64(keyString)}`],
    ['Basic with excess padding', `Basic ${b64(keyString)}==`],
    ['Basic of a string without colon', `Basic ${b64(clientKey)}`],
    ['Basic of non-UTF-8 bytes', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x41]).toString('base64')}`],
    ['longer than 1 kB', `Bearer ${keyString}${' '.repeat(1024)}`],
  ])('refuses %s', (_name, header) => {
    expect(parseAuthorization(header)).toBeNull();
  });

  it('never throws, whatever the header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (header) => {
        const parsed = parseAuthorization(header);
        if (parsed)
          expect(`${parsed.clientKey}:${parsed.secret}`).toMatch(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/);
      }),
    );
  });
});
