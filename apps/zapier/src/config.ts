import { DEVELOPER_PAGE_PATH } from './constants.js';

/**
 * The Keyhole server this integration talks to, from `KEYHOLE_API_URL` (set on Zapier with
 * `zapier env:set <version> KEYHOLE_API_URL=https://…`). Read at each request, never at import: Zapier
 * imports an ESM app before it copies the integration's environment into `process.env`.
 */
export function apiBaseUrl(): string {
  const raw = process.env.KEYHOLE_API_URL?.trim();
  if (!raw) {
    throw new Error(
      'KEYHOLE_API_URL is not set: set it to the Keyhole server this integration should call ' +
        '(zapier env:set <version> KEYHOLE_API_URL=https://keyhole.example.com).',
    );
  }
  return raw.replace(/\/+$/, '');
}

/**
 * The link in the API key field's help text. Zapier shows the help text from the definition uploaded by
 * `zapier push`, so the URL is taken from `KEYHOLE_API_URL` when the definition is built; without it (a
 * local `zapier validate`) it points at a local server's default address.
 */
export function developerPageUrl(): string {
  const base = process.env.KEYHOLE_API_URL?.trim().replace(/\/+$/, '') || 'http://127.0.0.1:3000';
  return `${base}${DEVELOPER_PAGE_PATH}`;
}
