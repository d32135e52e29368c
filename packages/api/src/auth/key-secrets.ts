import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Keyring } from '../lib/keyring';
import { hmacSha256 } from '../lib/keyring';

/**
 * The two stored forms of a key secret. The HMAC (under a key derived from the root secret) is what
 * verification compares; a copy of the table without the root secret cannot be checked offline. The
 * AES-256-GCM ciphertext exists only so an admin can copy the key again (reveal).
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function hashKeySecret(keyring: Keyring, secret: string): Buffer {
  return hmacSha256(keyring.keySecretHmac, secret);
}

/** Constant-time equality of two HMACs; a missing stored hash (revoked) never matches. */
export function hashesMatch(stored: Uint8Array | null, presented: Buffer): boolean {
  if (stored === null || stored.length !== presented.length) return false;
  return timingSafeEqual(stored, presented);
}

/**
 * iv | tag | ciphertext. The client key is bound as additional data, so a ciphertext copied onto
 * another key's row fails to decrypt instead of revealing the wrong key.
 */
export function encryptKeySecret(keyring: Keyring, clientKey: string, secret: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyring.keySecretEncryption, iv);
  cipher.setAAD(Buffer.from(clientKey, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** Null when the blob does not decrypt (tampered, or written under another root secret). */
export function decryptKeySecret(keyring: Keyring, clientKey: string, blob: Uint8Array): string | null {
  if (blob.length <= IV_BYTES + TAG_BYTES) return null;
  const buf = Buffer.from(blob);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyring.keySecretEncryption, buf.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(clientKey, 'utf8'));
    decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}

export interface StoredSecret {
  secretHash: Buffer;
  secretCiphertext: Buffer;
}

export function storeKeySecret(keyring: Keyring, clientKey: string, secret: string): StoredSecret {
  return {
    secretHash: hashKeySecret(keyring, secret),
    secretCiphertext: encryptKeySecret(keyring, clientKey, secret),
  };
}
