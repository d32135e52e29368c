import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_KEY_LENGTH,
  CLIENT_KEY_PREFIX,
  clientKeyFromBytes,
  crc32,
  generateClientKey,
  generateKey,
  generateSecret,
  hasKeyholeShape,
  isSecretChecksumValid,
  looksLikeFullKey,
  passesKeyPrecheck,
  SECRET_LENGTH,
  SECRET_PREFIX,
  secretFromBytes,
  splitAnyKeyString,
  splitKeyString,
  toBase62,
} from '../src/index';

const KEY_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_';
const CHARSET_RE = /^[A-Za-z0-9_]+$/;

const secretArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(secretFromBytes);
const clientKeyArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(clientKeyFromBytes);
const keyCharArb = fc.constantFrom(...KEY_CHARS);
const keyPartArb = fc.string({ unit: keyCharArb, minLength: 1, maxLength: 100 });

const ascii = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

describe('helpers', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('toBase62 is big-endian base62 with optional left padding', () => {
    expect(toBase62(new Uint8Array([0]))).toBe('0');
    expect(toBase62(new Uint8Array([]))).toBe('0');
    expect(toBase62(new Uint8Array([61]))).toBe('z');
    expect(toBase62(new Uint8Array([62]))).toBe('10');
    expect(toBase62(new Uint8Array([1, 0]))).toBe('48'); // 256 = 4*62 + 8
    expect(toBase62(new Uint8Array([0, 0, 62]), 5)).toBe('00010');
    expect(toBase62(new Uint8Array(32).fill(255), 43)).toHaveLength(43);
    expect(toBase62(new Uint8Array(16).fill(255), 22)).toHaveLength(22);
    expect(toBase62(new Uint8Array(4).fill(255), 6)).toHaveLength(6);
  });

  it('toBase62 agrees with BigInt arithmetic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const n = bytes.reduce((acc, b) => acc * 256n + BigInt(b), 0n);
        let expected = '';
        let rest = n;
        do {
          expected =
            '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.charAt(Number(rest % 62n)) +
            expected;
          rest /= 62n;
        } while (rest > 0n);
        expect(toBase62(bytes)).toBe(expected);
      }),
    );
  });
});

describe('generation', () => {
  it('has the documented shape and charset', () => {
    for (let i = 0; i < 1000; i++) {
      const { clientKey, secret, keyString } = generateKey();
      expect(clientKey).toMatch(/^kh_[0-9A-Za-z]{22}$/);
      expect(secret).toMatch(/^khs_[0-9A-Za-z]{49}$/);
      expect(clientKey).toHaveLength(CLIENT_KEY_LENGTH);
      expect(secret).toHaveLength(SECRET_LENGTH);
      expect(keyString).toBe(`${clientKey}:${secret}`);
      for (const part of [clientKey, secret]) expect(part).toMatch(CHARSET_RE);
      expect(hasKeyholeShape(clientKey, secret)).toBe(true);
      expect(isSecretChecksumValid(secret)).toBe(true);
      expect(looksLikeFullKey(keyString)).toBe(true);
    }
  });

  it('fixed width holds for extreme byte values', () => {
    expect(secretFromBytes(new Uint8Array(32))).toMatch(/^khs_0{43}[0-9A-Za-z]{6}$/);
    expect(secretFromBytes(new Uint8Array(32).fill(255))).toHaveLength(SECRET_LENGTH);
    expect(clientKeyFromBytes(new Uint8Array(16))).toBe(`kh_${'0'.repeat(22)}`);
    expect(isSecretChecksumValid(secretFromBytes(new Uint8Array(32)))).toBe(true);
    expect(() => secretFromBytes(new Uint8Array(31))).toThrow(RangeError);
    expect(() => clientKeyFromBytes(new Uint8Array(17))).toThrow(RangeError);
  });

  it('no collisions in 100k client keys and 100k secrets', () => {
    const clientKeys = new Set<string>();
    const secrets = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      clientKeys.add(generateClientKey());
      secrets.add(generateSecret());
    }
    expect(clientKeys.size).toBe(100_000);
    expect(secrets.size).toBe(100_000);
  });
});

describe('splitKeyString', () => {
  it('round-trips generated keys', () => {
    fc.assert(
      fc.property(fc.nat(), () => {
        const { clientKey, secret, keyString } = generateKey();
        expect(splitKeyString(keyString)).toEqual({ clientKey, secret });
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips keys built from any bytes, which keep the Keyhole shape', () => {
    fc.assert(
      fc.property(clientKeyArb, secretArb, (clientKey, secret) => {
        expect(splitKeyString(`${clientKey}:${secret}`)).toEqual({ clientKey, secret });
        expect(hasKeyholeShape(clientKey, secret)).toBe(true);
        expect(looksLikeFullKey(`${clientKey}:${secret}`)).toBe(true);
      }),
    );
  });

  it('round-trips any two charset parts (legacy keys need not be Keyhole-shaped)', () => {
    fc.assert(
      fc.property(keyPartArb, keyPartArb, (clientKey, secret) => {
        expect(splitKeyString(`${clientKey}:${secret}`)).toEqual({ clientKey, secret });
      }),
    );
  });

  it.each([
    ['empty', ''],
    ['no colon', 'kh_abc'],
    ['only a colon', ':'],
    ['empty client key', ':khs_abc'],
    ['empty secret', 'kh_abc:'],
    ['second colon', 'kh_abc:khs_def:ghi'],
    ['space', 'kh_abc:khs de'],
    ['surrounding white space', ' kh_abc:khs_def '],
    ['dash', 'kh-abc:khs_def'],
    ['base64 padding', 'kh_abc:khs_def=='],
    ['non-ASCII letter', 'kh_abc:khs_dé'],
    ['newline', 'kh_abc:khs_def\n'],
    ['longer than 512', `kh_${'a'.repeat(300)}:khs_${'b'.repeat(300)}`],
  ])('rejects %s', (_name, input) => {
    expect(splitKeyString(input)).toBeNull();
  });

  it('accepts exactly 512 characters and refuses 513', () => {
    const at512 = `${'a'.repeat(255)}:${'b'.repeat(256)}`;
    expect(at512).toHaveLength(512);
    expect(splitKeyString(at512)).not.toBeNull();
    expect(splitKeyString(`${at512}b`)).toBeNull();
  });

  it('rejects any string holding a character outside [A-Za-z0-9_] besides the first colon', () => {
    const badChar = fc
      .string({ minLength: 1, maxLength: 1, unit: 'grapheme' })
      .filter((c) => !/^[A-Za-z0-9_]$/.test(c) && c !== ':');
    fc.assert(
      fc.property(keyPartArb, keyPartArb, badChar, fc.nat(), fc.boolean(), (a, b, bad, pos, inSecret) => {
        const part = inSecret ? b : a;
        const at = pos % (part.length + 1);
        const spoiled = part.slice(0, at) + bad + part.slice(at);
        const s = inSecret ? `${a}:${spoiled}` : `${spoiled}:${b}`;
        expect(splitKeyString(s)).toBeNull();
      }),
    );
  });
});

describe('splitAnyKeyString (Keyhole keys and imported legacy keys)', () => {
  it('accepts everything splitKeyString accepts, identically', () => {
    fc.assert(
      fc.property(keyPartArb, keyPartArb, (clientKey, secret) => {
        const s = `${clientKey}:${secret}`;
        expect(splitAnyKeyString(s)).toEqual(splitKeyString(s));
      }),
    );
  });

  it('also accepts dots and dashes, which foreign legacy keys use', () => {
    expect(splitAnyKeyString('live-key.v1:abc.DEF-123_x')).toEqual({
      clientKey: 'live-key.v1',
      secret: 'abc.DEF-123_x',
    });
    expect(splitKeyString('live-key.v1:abc.DEF-123_x')).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['no colon', 'abc'],
    ['empty client key', ':abc'],
    ['empty secret', 'abc:'],
    ['second colon', 'a:b:c'],
    ['space', 'abc:de f'],
    ['surrounding white space', ' abc:def '],
    ['slash', 'abc:de/f'],
    ['plus', 'abc:de+f'],
    ['base64 padding', 'abc:def=='],
    ['non-ASCII letter', 'abc:dé'],
    ['newline', 'abc:def\n'],
    ['longer than 512', `${'a'.repeat(300)}:${'b'.repeat(300)}`],
  ])('rejects %s', (_name, input) => {
    expect(splitAnyKeyString(input)).toBeNull();
  });
});

describe('passesKeyPrecheck', () => {
  it('passes every generated key', () => {
    fc.assert(
      fc.property(clientKeyArb, secretArb, (clientKey, secret) => {
        expect(passesKeyPrecheck(clientKey, secret)).toBe(true);
      }),
    );
  });

  it('refuses a generated key with any one character of its secret changed', () => {
    fc.assert(
      fc.property(clientKeyArb, secretArb, fc.nat(), keyCharArb, (clientKey, secret, pos, c) => {
        const at = SECRET_PREFIX.length + (pos % (secret.length - SECRET_PREFIX.length));
        fc.pre(secret[at] !== c && c !== '_');
        const typo = secret.slice(0, at) + c + secret.slice(at + 1);
        expect(passesKeyPrecheck(clientKey, typo)).toBe(false);
      }),
    );
  });

  it('refuses a truncated Keyhole secret and a malformed Keyhole client key', () => {
    const { clientKey, secret } = generateKey();
    expect(passesKeyPrecheck(clientKey, secret.slice(0, -1))).toBe(false);
    expect(passesKeyPrecheck(clientKey, secret.slice(0, 10))).toBe(false);
    expect(passesKeyPrecheck(clientKey.slice(0, -1), secret)).toBe(false);
    expect(passesKeyPrecheck(clientKey, 'not-a-keyhole-secret')).toBe(false);
    expect(passesKeyPrecheck('legacy_client', secret.slice(0, -2))).toBe(false);
  });

  it('lets keys without the prefixes through to the look-up (imported legacy keys)', () => {
    expect(passesKeyPrecheck('legacy-client.1', 'some.old-secret_value')).toBe(true);
    expect(passesKeyPrecheck('abc', 'def')).toBe(true);
  });
});

describe('checksum', () => {
  it('every generated secret is valid', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        expect(isSecretChecksumValid(secret)).toBe(true);
      }),
    );
  });

  it('any single-character substitution is caught (prefix, body and checksum alike)', () => {
    fc.assert(
      fc.property(secretArb, fc.nat(), keyCharArb, (secret, pos, replacement) => {
        const i = pos % secret.length;
        fc.pre(secret[i] !== replacement);
        const changed = secret.slice(0, i) + replacement + secret.slice(i + 1);
        expect(isSecretChecksumValid(changed)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('every substitution at every position of one secret is caught (exhaustive)', () => {
    const secret = generateSecret();
    let tried = 0;
    for (let i = 0; i < secret.length; i++) {
      for (const c of KEY_CHARS) {
        if (c === secret[i]) continue;
        tried++;
        expect(isSecretChecksumValid(secret.slice(0, i) + c + secret.slice(i + 1))).toBe(false);
      }
    }
    expect(tried).toBe(SECRET_LENGTH * (KEY_CHARS.length - 1));
  });

  it('any single-character deletion is caught', () => {
    fc.assert(
      fc.property(secretArb, fc.nat(), (secret, pos) => {
        const i = pos % secret.length;
        expect(isSecretChecksumValid(secret.slice(0, i) + secret.slice(i + 1))).toBe(false);
      }),
    );
  });

  it('any single-character insertion is caught', () => {
    fc.assert(
      fc.property(secretArb, fc.nat(), keyCharArb, (secret, pos, c) => {
        const i = pos % (secret.length + 1);
        expect(isSecretChecksumValid(secret.slice(0, i) + c + secret.slice(i))).toBe(false);
      }),
    );
  });

  it('any truncation is caught', () => {
    fc.assert(
      fc.property(secretArb, fc.nat(), (secret, n) => {
        expect(isSecretChecksumValid(secret.slice(0, n % secret.length))).toBe(false);
      }),
    );
  });

  it('a secret under another prefix with a recomputed-looking tail is refused', () => {
    const secret = generateSecret();
    expect(isSecretChecksumValid(`kh_${secret.slice(3)}`)).toBe(false);
    expect(isSecretChecksumValid(`KHS_${secret.slice(4)}`)).toBe(false);
    expect(isSecretChecksumValid(`${secret} `)).toBe(false);
    expect(isSecretChecksumValid('')).toBe(false);
  });
});

describe('hasKeyholeShape', () => {
  it('checks prefixes and lengths', () => {
    const { clientKey, secret } = generateKey();
    expect(hasKeyholeShape(clientKey, secret)).toBe(true);
    expect(hasKeyholeShape(secret, clientKey)).toBe(false);
    expect(hasKeyholeShape(clientKey.slice(0, -1), secret)).toBe(false);
    expect(hasKeyholeShape(clientKey, `${secret}a`)).toBe(false);
    expect(hasKeyholeShape(`xx${clientKey.slice(2)}`, secret)).toBe(false);
    expect(hasKeyholeShape('legacy_client', 'legacy_secret_0123456789')).toBe(false);
    expect(clientKey.startsWith(CLIENT_KEY_PREFIX)).toBe(true);
    expect(secret.startsWith(SECRET_PREFIX)).toBe(true);
  });
});

describe('looksLikeFullKey', () => {
  const { keyString, clientKey, secret } = generateKey();

  it.each([
    ['bare key', keyString],
    ['query value', `https://api.example.com/trpc/meetings.list?input=%7B%7D&x=${keyString}`],
    ['percent-encoded colon', `/trpc/whoami?auth=${clientKey}%3A${secret}`],
    ['lower-case percent encoding', `/trpc/whoami?auth=${clientKey}%3a${secret}`],
    ['path segment', `/trpc/${keyString}/meetings.get`],
    ['inside other text', `Bearer ${keyString} trailing`],
  ])('finds the key in a %s', (_name, text) => {
    expect(looksLikeFullKey(text)).toBe(true);
  });

  it.each([
    ['ordinary URL', 'https://api.example.com/trpc/meetings.list?input=%7B%22limit%22%3A5%7D'],
    ['client key alone', `/trpc/whoami?client=${clientKey}`],
    ['secret alone', `/trpc/whoami?s=${secret}`],
    ['truncated secret', `${clientKey}:${secret.slice(0, -1)}`],
    ['short lookalike', 'kh_abc:khs_def'],
    ['empty', ''],
    ['prose', 'The kh_ and khs_ prefixes identify Keyhole keys.'],
  ])('ignores a %s', (_name, text) => {
    expect(looksLikeFullKey(text)).toBe(false);
  });

  it('finds any generated key wherever it is embedded', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, after) => {
        expect(looksLikeFullKey(before + generateKey().keyString + after)).toBe(true);
      }),
    );
  });

  it('never fires on arbitrary short text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(looksLikeFullKey(text)).toBe(false);
      }),
    );
  });
});
