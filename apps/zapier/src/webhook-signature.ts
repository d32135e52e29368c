import { createHmac, timingSafeEqual } from 'node:crypto';

/** The three Standard Webhooks headers of one delivery, as sent (any may be missing). */
export interface SignatureHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The HMAC key: the base64 after `whsec_`; null when it cannot be one (so nothing verifies with it). */
function signingKey(secret: string): Buffer | null {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded)) return null;
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : null;
}

/**
 * Whether a delivery was signed with `secret` per the Standard Webhooks spec: one of the space-separated
 * `v1,<base64>` entries of `webhook-signature` equals HMAC-SHA256(key, "id.timestamp.body") over the raw
 * body, compared in constant time. The timestamp is signed but its age is NOT checked: Zapier replays
 * old deliveries (Zap history, a re-run), and a replay of a signed meeting is harmless since the
 * trigger dedupes on the meeting id. Written here with node:crypto so the app needs no package for it.
 */
export function verifySignature(secret: string, headers: SignatureHeaders, rawBody: string): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return false;
  // The signed text holds the timestamp as sent; a non-number was never produced by a signer.
  if (!/^\d+$/.test(timestamp)) return false;
  const key = signingKey(secret);
  if (!key) return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`, 'utf8').digest();
  let matched = false;
  for (const entry of signature.split(' ')) {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || !encoded || !BASE64.test(encoded)) continue;
    const given = Buffer.from(encoded, 'base64');
    // Every entry is compared (no early exit), so the time taken does not tell which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched;
}
