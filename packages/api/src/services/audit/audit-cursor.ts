import { KeyholeError } from '@keyhole/core';

/** Keyset position in the audit log: the `at` and `id` of the last event of the previous page. */
export interface AuditCursor {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeAuditCursor(c: AuditCursor): string {
  return Buffer.from(JSON.stringify({ at: c.at.toISOString(), id: c.id }), 'utf8').toString('base64url');
}

/**
 * Opaque to clients, but not trusted: anything that is not a cursor we could have written is
 * BAD_REQUEST. A hand-made one can only move the start of the page within the caller's own org.
 */
export function decodeAuditCursor(raw: string): AuditCursor {
  const invalid = () =>
    new KeyholeError(
      'BAD_REQUEST',
      'cursor: not a cursor from a previous audit.list page.',
      'invalid_cursor',
    );
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(raw)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const { at, id, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw invalid();
  if (typeof at !== 'string' || !ISO.test(at) || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== at) throw invalid();
  return { at: date, id: id.toLowerCase() };
}
