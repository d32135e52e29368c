import { toCsv } from '../lib/csv';
import { formatDateTimeSeconds } from '../lib/format';
import type { AuditEvent } from '../lib/trpc';
import { detailsText, type People, personLabel, SYSTEM_ACTOR } from './audit-details';

const HEADER = [
  'Time (UTC)',
  'Local time',
  'Action',
  'Actor',
  'Actor email',
  'Target',
  'Details',
  'IP',
  'User agent',
];

function actorName(e: AuditEvent, people: People): string {
  if (!e.actor) return 'Unknown';
  if (e.actor.type === 'system') return SYSTEM_ACTOR;
  return e.actor.id ? personLabel(e.actor.id, people) : (e.actor.email ?? '');
}

/**
 * The filtered audit view as a CSV file's text: the UTC instant for machines beside the reader's
 * local time (zone named) for people, and the details as the page words them.
 */
export function auditCsv(events: readonly AuditEvent[], people: People, actionLabel: (a: string) => string) {
  return toCsv([
    HEADER,
    ...events.map((e) => [
      e.at,
      formatDateTimeSeconds(e.at),
      `${actionLabel(e.action)} (${e.action})`,
      actorName(e, people),
      e.actor?.email ?? '',
      e.target ? (e.target.name ?? e.target.id ?? '') : '',
      detailsText(e.action, e.details, people),
      e.ip ?? '',
      e.userAgent ?? '',
    ]),
  ]);
}

/** Hands the text to the browser as a download. */
export function downloadText(fileName: string, text: string, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // The click has handed the blob to the download; give it a moment before freeing it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
