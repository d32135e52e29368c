import { timingSafeEqual } from 'node:crypto';
import type { Keyring } from '../lib/keyring';
import { hmacSha256 } from '../lib/keyring';
import { openSealedText, sealText } from '../lib/sealed-text';

/**
 * The two stored forms of a key secret. The HMAC (under a key derived from the root secret) is what
 * verification compares; a copy of the table without the root secret cannot be checked offline. The
 * AES-256-GCM ciphertext exists only so an admin can copy the key again (reveal).
 */

export function hashKeySecret(keyring: Keyring, secret: string): Buffer {
  return hmacSha256(keyring.keySecretHmac, secret);
}

/** Constant-time equality of two HMACs; a missing stored hash (revoked) never matches. */
export function hashesMatch(stored: Uint8Array | null, presented: Buffer): boolean {
  if (stored === null || stored.length !== presented.length) return false;
  return timingSafeEqual(stored, presented);
}

/** The reveal copy, sealed to its client key (a ciphertext copied onto another key's row does not open). */
export function encryptKeySecret(keyring: Keyring, clientKey: string, secret: string): Buffer {
  return sealText(keyring.keySecretEncryption, clientKey, secret);
}

/** Null when the blob does not decrypt (tampered, or written under another root secret). */
export function decryptKeySecret(keyring: Keyring, clientKey: string, blob: Uint8Array): string | null {
  return openSealedText(keyring.keySecretEncryption, clientKey, blob);
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
