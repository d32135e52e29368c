import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The public keys a secret-scanning partner (GitHub) signs its reports with, in the JSON GitHub
 * serves at `/meta/public_keys/secret_scanning`: `{ "public_keys": [{ "key_identifier", "key" (PEM),
 * "is_current" }] }`. Several keys: GitHub rotates them and names the one it used in
 * `Github-Public-Key-Identifier`, so an old key stays valid while it is listed.
 */
export interface SecretScanningKeys {
  /** The file they came from, for messages. */
  file: string;
  keys: ReadonlyMap<string, KeyObject>;
}

export class SecretScanningKeysError extends Error {}

const MAX_KEYS_FILE_BYTES = 1024 * 1024;

/** Reads and checks the file at startup: a file that cannot serve is a start-up error naming it. */
export function loadSecretScanningKeys(file: string): SecretScanningKeys {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_KEYS_FILE_BYTES) throw new Error(`larger than ${MAX_KEYS_FILE_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (err) {
    throw new SecretScanningKeysError(
      `KEYHOLE_SECRET_SCANNING_KEYS_FILE ${file} cannot be read: ${(err as Error).message}`,
    );
  }
  return parseSecretScanningKeys(text, file);
}

export function parseSecretScanningKeys(text: string, file: string): SecretScanningKeys {
  const fail = (why: string) =>
    new SecretScanningKeysError(
      `KEYHOLE_SECRET_SCANNING_KEYS_FILE ${file} is not GitHub's secret-scanning key list ({ "public_keys": [{ "key_identifier", "key", "is_current" }] }): ${why}`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail('not JSON');
  }
  const list = (json as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(list) || list.length === 0) throw fail('public_keys is missing or empty');
  const keys = new Map<string, KeyObject>();
  list.forEach((entry: unknown, i) => {
    const { key_identifier: id, key: pem } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown };
    if (typeof id !== 'string' || id.length === 0)
      throw fail(`public_keys[${i}].key_identifier is not a string`);
    if (typeof pem !== 'string') throw fail(`public_keys[${i}].key is not a PEM string`);
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw fail(`public_keys[${i}].key is not a PEM public key`);
    }
    // ECDSA P-256 only: verifying with whatever a file holds would let an RSA or Ed25519 key in.
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw fail(`public_keys[${i}].key is not an ECDSA P-256 key`);
    }
    keys.set(id, key);
  });
  return { file, keys };
}

export type SignatureCheck = 'valid' | 'missing' | 'unknown_key' | 'invalid';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// A DER ECDSA P-256 signature is at most 72 bytes; anything far longer is not one.
const MAX_SIGNATURE_CHARS = 200;

/**
 * ECDSA P-256 / SHA-256 over the raw body bytes, the signature DER in base64, with the key the
 * identifier names. Called before the body is parsed: an unsigned body is never looked at.
 */
export function checkReportSignature(
  keys: SecretScanningKeys,
  identifier: string | undefined,
  signature: string | undefined,
  body: Uint8Array,
): SignatureCheck {
  if (!identifier || !signature) return 'missing';
  const key = keys.keys.get(identifier);
  if (!key) return 'unknown_key';
  const sig = signature.trim();
  if (sig.length > MAX_SIGNATURE_CHARS || !BASE64.test(sig)) return 'invalid';
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(sig, 'base64'))
      ? 'valid'
      : 'invalid';
  } catch {
    return 'invalid';
  }
}
