/**
 * Dates from the API are ISO-8601 UTC strings; people read them in their own time zone, and every
 * time of day names that zone ("09:00 CET"), so a screenshot or a colleague abroad reads it right.
 * `dateStyle`/`timeStyle` cannot be combined with `timeZoneName`, hence the separate fields.
 */
const DAY = { year: 'numeric', month: 'short', day: 'numeric' } as const;
const TIME = { hour: '2-digit', minute: '2-digit' } as const;

const dateTime = new Intl.DateTimeFormat(undefined, { ...DAY, ...TIME, timeZoneName: 'short' });
const dateTimeNoZone = new Intl.DateTimeFormat(undefined, { ...DAY, ...TIME });
const dateOnly = new Intl.DateTimeFormat(undefined, DAY);
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, {
  ...DAY,
  ...TIME,
  second: '2-digit',
  timeZoneName: 'short',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { ...TIME, timeZoneName: 'short' });

export function formatDateTime(iso: string | null | undefined, empty = '—'): string {
  return iso ? dateTime.format(new Date(iso)) : empty;
}

/** With seconds, where the order of close events matters (the audit log). */
export function formatDateTimeSeconds(iso: string): string {
  return dateTimeSeconds.format(new Date(iso));
}

/** A calendar day in the reader's zone; no time, so no zone to name. */
export function formatDate(iso: string | null | undefined, empty = '—'): string {
  return iso ? dateOnly.format(new Date(iso)) : empty;
}

/** "15 Jan 2026, 09:00 – 09:30 UTC" (the zone once, at the end), or both dates across midnight. */
export function formatRange(startIso: string, endIso: string): string {
  const start = new Date(startIso);
  const end = new Date(endIso);
  const sameDay = start.toDateString() === end.toDateString();
  return `${sameDay ? dateTimeNoZone.format(start) : dateTime.format(start)} – ${sameDay ? timeOnly.format(end) : dateTime.format(end)}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** A `<input type="datetime-local">` value (local time, no zone) as an ISO-8601 UTC string. */
export function localInputToIso(value: string): string {
  return new Date(value).toISOString();
}

/** The local wall-clock time of `date` in the shape `<input type="datetime-local">` expects. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
