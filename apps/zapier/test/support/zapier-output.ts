/**
 * The field keys Zapier derives from one trigger result: nested objects joined with `__`
 * (`host__email`), lists of objects as `list[]field` (`attendees[]email`). Test-side, independent of
 * the app's own field list, so the two can be compared.
 */
export function zapierFieldKeys(value: unknown, prefix = '', into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    // An empty list shows Zapier no fields; a list of plain values is one field.
    const objects = value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
    if (objects.length === 0 && value.length > 0) into.add(prefix);
    for (const item of objects) for (const key of Object.keys(item)) into.add(`${prefix}[]${key}`);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      zapierFieldKeys(child, prefix ? `${prefix}__${key}` : key, into);
    }
  } else {
    into.add(prefix);
  }
  return into;
}

/** ISO-8601 date-time that names its zone (`Z` or an offset), as Zapier asks of trigger data. */
export const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export const MEETING_DATE_FIELDS = ['startAt', 'endAt', 'createdAt', 'updatedAt', 'completedAt'] as const;
