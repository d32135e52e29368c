import { isStorableText, LEAK_REPORT_LIMITS } from '@keyhole/core';
import type { LeakReport } from './report-leaked-keys';

export type ParsedLeakReport =
  | { ok: true; reports: LeakReport[] }
  | { ok: false; status: 400 | 413; message: string };

const MAX_FIELD_CHARS = { type: 200, url: 2000, source: 200 } as const;

/**
 * GitHub's partner payload: a JSON array of `{ token, type, url, source }`. Read only once its
 * signature has been verified. Fields GitHub may add later are ignored rather than refused: a report
 * of a live key must not bounce on a new field. A bad field is 400 naming it (`[3].url: …`).
 */
export function parseLeakReport(text: string): ParsedLeakReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      status: 400,
      message: 'body: not JSON (a JSON array of { token, type, url, source }).',
    };
  }
  if (!Array.isArray(json)) {
    return {
      ok: false,
      status: 400,
      message: 'body: expected a JSON array of { token, type, url, source }.',
    };
  }
  if (json.length > LEAK_REPORT_LIMITS.maxTokens) {
    return {
      ok: false,
      status: 413,
      message: `A report holds at most ${LEAK_REPORT_LIMITS.maxTokens} tokens; this one has ${json.length}. Split it.`,
    };
  }
  const reports: LeakReport[] = [];
  for (const [i, item] of json.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { ok: false, status: 400, message: `[${i}]: expected an object { token, type, url, source }.` };
    }
    const entry = item as Record<string, unknown>;
    if (typeof entry.token !== 'string' || entry.token.length === 0) {
      return { ok: false, status: 400, message: `[${i}].token: expected a non-empty string.` };
    }
    const type = optionalText(entry, 'type', i);
    if (typeof type === 'object' && type !== null) return type;
    const url = optionalText(entry, 'url', i);
    if (typeof url === 'object' && url !== null) return url;
    const source = optionalText(entry, 'source', i);
    if (typeof source === 'object' && source !== null) return source;
    reports.push({ token: entry.token, type: type ?? '', url, source });
  }
  return { ok: true, reports };
}

/** A string field that may be missing or null; the text kept, or the refusal. */
function optionalText(
  entry: Record<string, unknown>,
  field: keyof typeof MAX_FIELD_CHARS,
  i: number,
): string | null | { ok: false; status: 400; message: string } {
  const value = entry[field];
  if (value === undefined || value === null) return null;
  const refuse = (why: string) => ({
    ok: false as const,
    status: 400 as const,
    message: `[${i}].${field}: ${why}`,
  });
  if (typeof value !== 'string') return refuse('expected a string.');
  if (value.length > MAX_FIELD_CHARS[field]) return refuse(`at most ${MAX_FIELD_CHARS[field]} characters.`);
  if (!isStorableText(value)) return refuse('holds a NUL character or an unpaired UTF-16 surrogate.');
  return value;
}
