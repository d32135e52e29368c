import { type ParsedKey, splitAnyKeyString } from '@keyhole/core';

/** Far above any real key string; hostile headers are refused before any work. */
export const MAX_AUTHORIZATION_LENGTH = 1024;

const SCHEME_AND_CREDENTIALS = /^(\S+)\s+(\S+)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * `Bearer CLIENT_KEY:SECRET` or `Basic base64(CLIENT_KEY:SECRET)`, scheme in any case, surrounding
 * white space ignored. Null for anything else; the caller answers every null with `invalid_key`.
 */
export function parseAuthorization(header: string): ParsedKey | null {
  if (header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const match = SCHEME_AND_CREDENTIALS.exec(header.trim());
  if (!match) return null;
  const scheme = match[1]!.toLowerCase();
  const credentials = match[2]!;
  if (scheme === 'bearer') return splitAnyKeyString(credentials);
  if (scheme === 'basic') {
    const decoded = decodeBase64Strict(credentials);
    return decoded === null ? null : splitAnyKeyString(decoded);
  }
  return null;
}

/** Standard alphabet; padding optional, but what is there must be well-formed and round-trip. */
function decodeBase64Strict(text: string): string | null {
  if (!BASE64.test(text) || text.length % 4 === 1) return null;
  const unpadded = text.replace(/=+$/, '');
  const padded = unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
  if (text.length !== unpadded.length && text !== padded) return null;
  const bytes = Buffer.from(padded, 'base64');
  if (bytes.toString('base64') !== padded) return null;
  return bytes.toString('utf8');
}
