import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Every key the server uses is derived from the one root secret (KEYHOLE_SECRET, or the data dir's
 * secret on PGlite) with HKDF, one per purpose, so no two features ever share key material.
 */
export interface Keyring {
  /** HMAC-SHA-256 key for API key secrets. */
  keySecretHmac: Buffer;
  /** AES-256-GCM key for the reveal copy of API key secrets. */
  keySecretEncryption: Buffer;
  /** HMAC key that signs pagination cursors. */
  cursorHmac: Buffer;
  /**
   * HMAC key for the sign-in and sign-up counter identifiers (emails and IPs never sit in Redis in
   * the clear). Session tokens are not hashed with it: they are 256 random bits, so the stored hash is
   * a plain SHA-256 (`hashSessionToken` in auth/session-token.ts). The name stays: changing the HKDF
   * purpose string would re-key every counter.
   */
  sessionHmac: Buffer;
  /** HMAC key for idempotency scopes, inputs and the fingerprints of replayed key strings. */
  idempotencyHmac: Buffer;
  /** AES-256-GCM key for webhook signing secrets (the sender must read them back to sign). */
  webhookSecretEncryption: Buffer;
}

function derive(root: string, purpose: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(root, 'utf8'), Buffer.alloc(0), `keyhole:${purpose}`, 32),
  );
}

export function createKeyring(rootSecret: string): Keyring {
  return {
    keySecretHmac: derive(rootSecret, 'api-key-secret-hmac:v1'),
    keySecretEncryption: derive(rootSecret, 'api-key-secret-encryption:v1'),
    cursorHmac: derive(rootSecret, 'cursor-hmac:v1'),
    sessionHmac: derive(rootSecret, 'session-hmac:v1'),
    idempotencyHmac: derive(rootSecret, 'idempotency-hmac:v1'),
    webhookSecretEncryption: derive(rootSecret, 'webhook-secret-encryption:v1'),
  };
}

export function hmacSha256(key: Buffer, data: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
