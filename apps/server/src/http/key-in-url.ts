import { findKeyholeSecrets } from '@keyhole/core';

const CREDENTIAL_PARAMS = new Set(['api_key', 'apikey', 'key', 'token', 'access_token']);

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * A key in a URL ends up in proxy logs, browser history and Referer headers, so such a request is
 * refused outright (SPEC §3, §9) and its URL is never logged. Refused: a query parameter with a
 * credential's name, and a Keyhole secret anywhere in the URL (path, `;` path parameters, query names
 * and values; raw or percent-encoded) on a token boundary with a valid checksum, so meeting text and
 * cursors never trip it by accident. Returns what to name in the error, or null.
 */
export function findKeyInUrl(rawUrl: string): string | null {
  const q = rawUrl.indexOf('?');
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeSafe(eq < 0 ? pair : pair.slice(0, eq)).trim();
    if (CREDENTIAL_PARAMS.has(name.toLowerCase())) return `query parameter "${name}"`;
  }
  if (findKeyholeSecrets(rawUrl).length > 0 || findKeyholeSecrets(decodeSafe(rawUrl)).length > 0) {
    return 'URL';
  }
  return null;
}
