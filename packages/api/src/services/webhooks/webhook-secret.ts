import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from '../../lib/keyring';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** SPEC §11: `whsec_` + base64 of 32 random bytes (Standard Webhooks' secret format), shown once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** iv | tag | ciphertext, the subscription id bound as additional data (a copied blob does not decrypt). */
export function encryptWebhookSecret(keyring: Keyring, subscriptionId: string, secret: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyring.webhookSecretEncryption, iv);
  cipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** Null when the blob does not decrypt (tampered, or written under another root secret). */
export function decryptWebhookSecret(
  keyring: Keyring,
  subscriptionId: string,
  blob: Uint8Array,
): string | null {
  if (blob.length <= IV_BYTES + TAG_BYTES) return null;
  const buf = Buffer.from(blob);
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keyring.webhookSecretEncryption,
      buf.subarray(0, IV_BYTES),
    );
    decipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
    decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}
