import { DEFAULT_HELP_URL, DEVELOPER_PAGE_PATH } from './constants.js';

const trimmed = (name: string) => process.env[name]?.trim().replace(/\/+$/, '') || undefined;

/**
 * The Keyhole server this integration talks to, from `KEYHOLE_API_URL` (set on Zapier with
 * `zapier env:set <version> KEYHOLE_API_URL=https://…`). Read at each request, never at import: Zapier
 * imports an ESM app before it copies the integration's environment into `process.env`.
 */
export function apiBaseUrl(): string {
  const base = trimmed('KEYHOLE_API_URL');
  if (!base) {
    // Seen by a Zapier user only when the integration's developer skipped `zapier env:set`.
    throw new Error(
      'This Keyhole integration is not finished setting up: its developer has to tell it the address of ' +
        'your Keyhole server (KEYHOLE_API_URL, set with `zapier env:set`).',
    );
  }
  return base;
}

/** The Developer page of the server this integration calls, for messages shown at run time. */
export function developerPageUrl(): string {
  return `${apiBaseUrl()}${DEVELOPER_PAGE_PATH}`;
}

/**
 * Where the API key field's help text sends people to learn how to get a key. Zapier shows the help
 * text from the definition uploaded by `zapier push`, so this is read when the definition is built:
 * `KEYHOLE_ZAPIER_HELP_URL` when set (your help-centre article), else the Developer page of
 * `KEYHOLE_API_URL`, else the public default, never a loopback address.
 */
export function apiKeyHelpUrl(): string {
  const explicit = trimmed('KEYHOLE_ZAPIER_HELP_URL');
  if (explicit) return explicit;
  const base = trimmed('KEYHOLE_API_URL');
  return base ? `${base}${DEVELOPER_PAGE_PATH}` : DEFAULT_HELP_URL;
}
