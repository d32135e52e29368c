import { timingSafeEqual } from 'node:crypto';
import {
  KeyholeError,
  MEETING_ORDER_BY,
  type MeetingOrderBy,
  type MeetingState,
  SORT_DIRECTIONS,
  type SortDirection,
} from '@keyhole/core';
import { z } from 'zod';
import { hmacSha256 } from '../../lib/keyring';

/**
 * Opaque keyset cursors for meetings.list: `base64url(JSON payload) "." base64url(tag)`, the tag a
 * truncated HMAC-SHA-256 under the keyring's cursor key. The payload names the ordering, a keyed hash
 * of the filters and of the caller, and the position (sort value and id of the last row shown). A
 * cursor is only good for the same caller asking the same question; anything else is BAD_REQUEST
 * `invalid_cursor`, with a message that says which part did not match.
 */

const VERSION = 1;
const TAG_BYTES = 16;
const HASH_BYTES = 12;

/** What a cursor is bound to: the query that produced it, and who asked. */
export interface CursorScope {
  orderBy: MeetingOrderBy;
  direction: SortDirection;
  from?: Date | undefined;
  to?: Date | undefined;
  state?: MeetingState | undefined;
  /** Identifies the principal, e.g. `org:<id>:key:<id>`; never a secret. */
  owner: string;
}

export interface CursorPosition {
  at: Date;
  id: string;
}

const payloadSchema = z.strictObject({
  v: z.literal(VERSION),
  o: z.enum(MEETING_ORDER_BY),
  d: z.enum(SORT_DIRECTIONS),
  f: z.string(),
  p: z.string(),
  at: z.int().min(-8_640_000_000_000_000).max(8_640_000_000_000_000),
  id: z.guid(),
});

/**
 * Every page answer names its caller and filters by keyed hashes, and the same few callers and
 * filters come back again and again: their hashes are remembered (per key, a bounded number, the
 * whole memory dropped when full) rather than computed for every page.
 */
const HASH_MEMORY = 4096;
const remembered = new WeakMap<Buffer, Map<string, string>>();

function keyedHash(key: Buffer, purpose: string, value: string): string {
  const input = `${purpose}\0${value}`;
  let memory = remembered.get(key);
  if (!memory) {
    memory = new Map();
    remembered.set(key, memory);
  }
  let hash = memory.get(input);
  if (hash === undefined) {
    hash = hmacSha256(key, input).subarray(0, HASH_BYTES).toString('base64url');
    if (memory.size >= HASH_MEMORY) memory.clear();
    memory.set(input, hash);
  }
  return hash;
}

function filtersHash(key: Buffer, s: CursorScope): string {
  // A fixed layout, so equal filters always hash alike whatever order the client sent them in.
  const canonical = JSON.stringify([
    s.from ? s.from.getTime() : null,
    s.to ? s.to.getTime() : null,
    s.state ?? null,
  ]);
  return keyedHash(key, 'meetings.list filters', canonical);
}

function tagOf(key: Buffer, body: string): Buffer {
  return hmacSha256(key, `meetings.list cursor\0${body}`).subarray(0, TAG_BYTES);
}

export function encodeCursor(key: Buffer, scope: CursorScope, position: CursorPosition): string {
  const payload: z.infer<typeof payloadSchema> = {
    v: VERSION,
    o: scope.orderBy,
    d: scope.direction,
    f: filtersHash(key, scope),
    p: keyedHash(key, 'meetings.list owner', scope.owner),
    at: position.at.getTime(),
    id: position.id,
  };
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${tagOf(key, body).toString('base64url')}`;
}

const invalid = (message: string) => new KeyholeError('BAD_REQUEST', `cursor: ${message}`, 'invalid_cursor');

const NOT_ISSUED =
  'not a cursor this server issued (it may be truncated or altered); pass nextCursor exactly as received, or leave cursor out to start from the first page';

export function decodeCursor(key: Buffer, scope: CursorScope, cursor: string): CursorPosition {
  const parts = cursor.split('.');
  if (parts.length !== 2) throw invalid(NOT_ISSUED);
  const [body, tag] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(tag)) throw invalid(NOT_ISSUED);
  const given = Buffer.from(tag, 'base64url');
  // Re-encoding catches non-canonical base64url that would otherwise decode to the same bytes.
  if (given.length !== TAG_BYTES || given.toString('base64url') !== tag) throw invalid(NOT_ISSUED);
  if (!timingSafeEqual(given, tagOf(key, body))) throw invalid(NOT_ISSUED);

  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    // Only reachable with a valid tag, i.e. a cursor from another version of this server.
    throw invalid(NOT_ISSUED);
  }
  if (parsed.p !== keyedHash(key, 'meetings.list owner', scope.owner)) {
    throw invalid('was issued to another caller; each caller pages with the cursors it was given');
  }
  if (parsed.o !== scope.orderBy || parsed.d !== scope.direction) {
    throw invalid(
      `was issued for orderBy "${parsed.o}" and direction "${parsed.d}", not "${scope.orderBy}" and "${scope.direction}"; repeat the query that returned it with only cursor changed, or leave cursor out to start over`,
    );
  }
  if (parsed.f !== filtersHash(key, scope)) {
    throw invalid(
      'was issued for other filters (from, to, state); repeat the query that returned it with only cursor changed, or leave cursor out to start over',
    );
  }
  return { at: new Date(parsed.at), id: parsed.id };
}
