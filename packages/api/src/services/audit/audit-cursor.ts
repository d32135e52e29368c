import type { AuditAction } from '@keyhole/core';
import { KeyholeError } from '@keyhole/core';
import { hmacSha256 } from '../../lib/keyring';

/** Keyset position in the audit log: the `at` and `id` of the last event of the previous page. */
export interface AuditCursor {
  at: Date;
  id: string;
}

/** The filters a cursor is bound to (SPEC §5: a cursor is bound to its filters). */
export interface AuditFilters {
  action?: AuditAction | undefined;
  actorId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FILTERS_HASH = /^[A-Za-z0-9_-]{16}$/;

/**
 * A keyed hash of the filters in a fixed layout, so equal filters hash alike whatever order they
 * were sent in, and a client cannot make a cursor for other filters by editing one.
 */
function filtersHash(key: Buffer, f: AuditFilters): string {
  const canonical = JSON.stringify([
    f.action ?? null,
    f.actorId?.toLowerCase() ?? null,
    f.from ? f.from.getTime() : null,
    f.to ? f.to.getTime() : null,
  ]);
  return hmacSha256(key, `audit.list filters\0${canonical}`).subarray(0, 12).toString('base64url');
}

export function encodeAuditCursor(key: Buffer, filters: AuditFilters, c: AuditCursor): string {
  const payload = { at: c.at.toISOString(), id: c.id, f: filtersHash(key, filters) };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/**
 * Opaque to clients, but not trusted: anything that is not a cursor we could have written, or one
 * written for other filters, is BAD_REQUEST. A hand-made position can only move the start of the
 * page within the caller's own org.
 */
export function decodeAuditCursor(key: Buffer, filters: AuditFilters, raw: string): AuditCursor {
  const invalid = () =>
    new KeyholeError(
      'BAD_REQUEST',
      'cursor: not a cursor from a previous audit.list page.',
      'invalid_cursor',
    );
  if (!/^[A-Za-z0-9_-]{1,300}$/.test(raw)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const { at, id, f, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw invalid();
  if (typeof at !== 'string' || !ISO.test(at) || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  if (typeof f !== 'string' || !FILTERS_HASH.test(f)) throw invalid();
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== at) throw invalid();
  if (f !== filtersHash(key, filters)) {
    throw new KeyholeError(
      'BAD_REQUEST',
      'cursor: was issued for other filters (action, actorId, from, to); repeat the query that returned it with only cursor changed, or leave cursor out to start over.',
      'invalid_cursor',
    );
  }
  return { at: date, id: id.toLowerCase() };
}
