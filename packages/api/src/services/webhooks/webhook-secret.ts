import { randomBytes } from 'node:crypto';
import type { Keyring } from '../../lib/keyring';
import { openSealedText, sealText } from '../../lib/sealed-text';

/** SPEC §11: `whsec_` + base64 of 32 random bytes (Standard Webhooks' secret format), shown once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Sealed to its subscription (services/webhooks never keep it in the clear). */
export function encryptWebhookSecret(keyring: Keyring, subscriptionId: string, secret: string): Buffer {
  return sealText(keyring.webhookSecretEncryption, subscriptionId, secret);
}

/** Null when the blob does not open (tampered, or written under another root secret). */
export function decryptWebhookSecret(
  keyring: Keyring,
  subscriptionId: string,
  blob: Uint8Array,
): string | null {
  return openSealedText(keyring.webhookSecretEncryption, subscriptionId, blob);
}
