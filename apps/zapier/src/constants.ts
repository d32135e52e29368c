import type { KeyScope } from './keyhole-types.js';

/** The one scope this integration accepts: a person's meetings, never a private one. */
export const REQUIRED_SCOPE = 'user_limited' satisfies KeyScope;

/**
 * The scope labels the web UI shows (packages/core/src/scopes.ts, SCOPE_INFO), copied because Zapier
 * builds this package without the workspace; a test keeps the copy equal to core's. The en dash is
 * deliberate: users find the key by this exact label in the Developer page.
 */
export const SCOPE_LABELS: Record<KeyScope, string> = {
  user_limited: 'User – limited access',
  user_full: 'User – full access',
  org_limited: 'Organization – limited access',
  org_full: 'Organization – full access',
  legacy: 'Legacy',
};

/** Where admins create keys: the web UI's Settings → Organization → Developer page (SPEC §7). */
export const DEVELOPER_PAGE_PATH = '/settings/organization/developer';

/**
 * The API key's help link when nothing is configured (see config.ts): the Developer page of the public
 * Keyhole deployment this integration is published for. Set `KEYHOLE_ZAPIER_HELP_URL` (or
 * `KEYHOLE_API_URL`) when you run `zapier push` for any other deployment.
 */
export const DEFAULT_HELP_URL = `https://keyhole.example.com${DEVELOPER_PAGE_PATH}`;

/** Polls read this many meetings: a handful for the editor's sample, many to seed deduplication. */
export const POLL_LIMITS = { loadingSample: 3, populatingDedupe: 100, regular: 25 } as const;

/**
 * The transcripts of one poll are fetched in one batched request (`meetings.transcript` × n). The
 * server refuses batches above `KEYHOLE_MAX_BATCH` (default 25, SPEC §9), so a batch never holds more.
 */
export const TRANSCRIPT_BATCH_LIMIT = 25;

/** What `meetings.get` accepts as an id (the API's `z.guid()`): checked before a search sends it. */
export const MEETING_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
