import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM of a text the server must read back (a key's reveal copy, a webhook signing secret):
 * iv | tag | ciphertext, with `boundTo` (the row's own id or client key) as additional data, so a blob
 * copied onto another row fails to open instead of handing out the wrong secret.
 */
export function sealText(key: Buffer, boundTo: string, text: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** Null when the blob does not open (tampered, bound to another row, or sealed under another key). */
export function openSealedText(key: Buffer, boundTo: string, blob: Uint8Array): string | null {
  if (blob.length <= IV_BYTES + TAG_BYTES) return null;
  const buf = Buffer.from(blob);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}
