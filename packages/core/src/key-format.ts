/**
 * Key string: `kh_<22 base62>:khs_<43 base62 = 256 random bits><6 base62 = CRC32>`.
 *
 * The checksum covers the prefix and the body, so a mistyped or truncated secret is refused
 * without touching the database. It is an integrity check, not a MAC: anyone can compute it,
 * and it adds no security beyond cheap early rejection.
 */

export const CLIENT_KEY_PREFIX = 'kh_';
export const SECRET_PREFIX = 'khs_';

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export const CLIENT_KEY_RANDOM_BYTES = 16;
export const SECRET_RANDOM_BYTES = 32;
// ceil(bits / log2(62)): the widest value of that many bytes fits exactly.
export const CLIENT_KEY_BODY_LENGTH = 22;
export const SECRET_BODY_LENGTH = 43;
export const SECRET_CHECKSUM_LENGTH = 6;
export const CLIENT_KEY_LENGTH = CLIENT_KEY_PREFIX.length + CLIENT_KEY_BODY_LENGTH;
export const SECRET_LENGTH = SECRET_PREFIX.length + SECRET_BODY_LENGTH + SECRET_CHECKSUM_LENGTH;
export const MAX_KEY_STRING_LENGTH = 512;

const KEY_PART_RE = /^[A-Za-z0-9_]+$/;
// Keys imported from the system before Keyhole (legacy) may also hold dots and dashes.
const IMPORTED_KEY_PART_RE = /^[A-Za-z0-9_.-]+$/;
const CLIENT_KEY_RE = new RegExp(`^${CLIENT_KEY_PREFIX}[0-9A-Za-z]{${CLIENT_KEY_BODY_LENGTH}}$`);
const SECRET_RE = new RegExp(`^${SECRET_PREFIX}[0-9A-Za-z]{${SECRET_BODY_LENGTH + SECRET_CHECKSUM_LENGTH}}$`);
// `%3A` too: a key pasted into a URL is often percent-encoded, and it must still be caught.
const EMBEDDED_KEY_RE = new RegExp(
  `${CLIENT_KEY_PREFIX}[0-9A-Za-z]{${CLIENT_KEY_BODY_LENGTH}}(?::|%3[Aa])${SECRET_PREFIX}[0-9A-Za-z]{${SECRET_BODY_LENGTH + SECRET_CHECKSUM_LENGTH}}`,
);

const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32/ISO-HDLC (the zlib/PNG one), as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc = (CRC32_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Big-endian base62 of the bytes as one unsigned number, left-padded with '0' to `minLength`.
 * Schoolbook division on the byte array keeps it fast without BigInt.
 */
export function toBase62(bytes: Uint8Array, minLength = 1): string {
  const digits = Array.from(bytes);
  let start = 0;
  while (start < digits.length && digits[start] === 0) start++;
  let out = '';
  while (start < digits.length) {
    let rem = 0;
    for (let i = start; i < digits.length; i++) {
      const acc = rem * 256 + (digits[i] ?? 0);
      digits[i] = Math.floor(acc / 62);
      rem = acc % 62;
    }
    out = BASE62_ALPHABET.charAt(rem) + out;
    while (start < digits.length && digits[start] === 0) start++;
  }
  return out.padStart(Math.max(minLength, 1), '0');
}

function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

// Only called on text already known to be [A-Za-z0-9_], so char codes are the UTF-8 bytes.
function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function checksumOf(text: string): string {
  const crc = crc32(asciiBytes(text));
  const bytes = new Uint8Array([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]);
  return toBase62(bytes, SECRET_CHECKSUM_LENGTH);
}

/** Deterministic half of generateSecret, exposed so tests can drive it from fixed bytes. */
export function secretFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== SECRET_RANDOM_BYTES) {
    throw new RangeError(`secret needs exactly ${SECRET_RANDOM_BYTES} bytes`);
  }
  const head = SECRET_PREFIX + toBase62(bytes, SECRET_BODY_LENGTH);
  return head + checksumOf(head);
}

export function clientKeyFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== CLIENT_KEY_RANDOM_BYTES) {
    throw new RangeError(`client key needs exactly ${CLIENT_KEY_RANDOM_BYTES} bytes`);
  }
  return CLIENT_KEY_PREFIX + toBase62(bytes, CLIENT_KEY_BODY_LENGTH);
}

export function generateSecret(): string {
  return secretFromBytes(randomBytes(SECRET_RANDOM_BYTES));
}

export function generateClientKey(): string {
  return clientKeyFromBytes(randomBytes(CLIENT_KEY_RANDOM_BYTES));
}

export function generateKey(): { clientKey: string; secret: string; keyString: string } {
  const clientKey = generateClientKey();
  const secret = generateSecret();
  return { clientKey, secret, keyString: `${clientKey}:${secret}` };
}

export type ParsedKey = { clientKey: string; secret: string };

/**
 * Accepts any `[A-Za-z0-9_]+:[A-Za-z0-9_]+`, not only Keyhole-shaped keys, because imported
 * legacy keys keep whatever shape they had. The length cap keeps hostile input cheap to refuse.
 */
export function splitKeyString(s: string): ParsedKey | null {
  return splitAtFirstColon(s, KEY_PART_RE);
}

/**
 * What authentication and `legacy-import` accept: Keyhole's own keys plus imported legacy keys, whose
 * parts may also hold `.` and `-`. Same first-colon split and length cap as `splitKeyString`.
 */
export function splitAnyKeyString(s: string): ParsedKey | null {
  return splitAtFirstColon(s, IMPORTED_KEY_PART_RE);
}

// Both parts, split at the first colon, must match `part`; longer than the cap is refused unread.
function splitAtFirstColon(s: string, part: RegExp): ParsedKey | null {
  if (s.length > MAX_KEY_STRING_LENGTH) return null;
  const colon = s.indexOf(':');
  if (colon < 0) return null;
  const clientKey = s.slice(0, colon);
  const secret = s.slice(colon + 1);
  if (!part.test(clientKey) || !part.test(secret)) return null;
  return { clientKey, secret };
}

export function joinKeyString(clientKey: string, secret: string): string {
  return `${clientKey}:${secret}`;
}

export function isClientKeyShape(clientKey: string): boolean {
  return CLIENT_KEY_RE.test(clientKey);
}

export function isSecretShape(secret: string): boolean {
  return SECRET_RE.test(secret);
}

/** Prefixes and lengths only; a false here means "not minted by Keyhole" (e.g. a legacy import). */
export function hasKeyholeShape(clientKey: string, secret: string): boolean {
  return isClientKeyShape(clientKey) && isSecretShape(secret);
}

export function isSecretChecksumValid(secret: string): boolean {
  if (!isSecretShape(secret)) return false;
  const split = secret.length - SECRET_CHECKSUM_LENGTH;
  return checksumOf(secret.slice(0, split)) === secret.slice(split);
}

/**
 * The check made before any database look-up. A key that carries either Keyhole prefix must be a
 * whole Keyhole key whose checksum holds, so a mistyped or truncated Keyhole key is refused for free;
 * a key without the prefixes can only be an imported legacy key and passes to the look-up.
 */
export function passesKeyPrecheck(clientKey: string, secret: string): boolean {
  if (!clientKey.startsWith(CLIENT_KEY_PREFIX) && !secret.startsWith(SECRET_PREFIX)) return true;
  return isClientKeyShape(clientKey) && isSecretChecksumValid(secret);
}

/** Used to refuse keys in URLs, so it searches anywhere in the text rather than matching whole. */
export function looksLikeFullKey(s: string): boolean {
  return EMBEDDED_KEY_RE.test(s);
}

/**
 * The token patterns docs/SECURITY.md publishes for secret scanners: a secret, or a whole key string,
 * standing on its own (no `[A-Za-z0-9_]` either side). A match is a Keyhole key only when the secret's
 * checksum holds (`isSecretChecksumValid`), which is what keeps ordinary text from matching by accident.
 */
export const SECRET_TOKEN_PATTERN = `(?<![A-Za-z0-9_])${SECRET_PREFIX}[0-9A-Za-z]{${SECRET_BODY_LENGTH + SECRET_CHECKSUM_LENGTH}}(?![A-Za-z0-9_])`;
export const KEY_STRING_TOKEN_PATTERN = `(?<![A-Za-z0-9_])${CLIENT_KEY_PREFIX}[0-9A-Za-z]{${CLIENT_KEY_BODY_LENGTH}}:${SECRET_PREFIX}[0-9A-Za-z]{${SECRET_BODY_LENGTH + SECRET_CHECKSUM_LENGTH}}(?![A-Za-z0-9_])`;

/** Every Keyhole secret in `text` (alone or inside a key string) whose checksum holds. */
export function findKeyholeSecrets(text: string): string[] {
  if (!text.includes(SECRET_PREFIX)) return [];
  const found: string[] = [];
  for (const m of text.matchAll(new RegExp(SECRET_TOKEN_PATTERN, 'g'))) {
    if (isSecretChecksumValid(m[0])) found.push(m[0]);
  }
  return found;
}
