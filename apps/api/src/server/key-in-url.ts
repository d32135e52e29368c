import { looksLikeFullKey } from '@keyhole/core';

const CREDENTIAL_PARAMS = new Set(['api_key', 'apikey', 'key', 'token', 'access_token']);

/**
 * A key in a URL ends up in proxy logs, browser history and Referer headers, so such a request is
 * refused outright (SPEC §3) and its URL is never logged.
 */
export function findKeyInUrl(search: URLSearchParams): string | null {
  for (const [name, value] of search) {
    if (CREDENTIAL_PARAMS.has(name.toLowerCase())) return name;
    if (looksLikeFullKey(value)) return name;
  }
  return null;
}
