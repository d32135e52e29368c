import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The formatters are built once, at import, from the process's locale and zone: they run in a child
 * Node with its own TZ and LANG, so the zone really is the reader's and not this runner's.
 */
const FORMAT = fileURLToPath(new URL('../src/lib/format.ts', import.meta.url));

function formatIn(tz: string, calls: string[]): string[] {
  const script = `import(${JSON.stringify(FORMAT)}).then((f) => process.stdout.write(JSON.stringify([${calls.join(',')}])))`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { ...process.env, TZ: tz, LANG: 'en_GB.UTF-8', LC_ALL: 'en_GB.UTF-8' },
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

describe('dates name their time zone', () => {
  it('in UTC: date-times, same-day and cross-midnight ranges, audit seconds, bare days', () => {
    expect(
      formatIn('UTC', [
        'f.formatDateTime("2026-01-15T09:05:00Z")',
        'f.formatRange("2026-01-15T09:00:00Z", "2026-01-15T09:30:00Z")',
        'f.formatRange("2026-01-15T23:30:00Z", "2026-01-16T00:30:00Z")',
        'f.formatDateTimeSeconds("2026-01-15T09:05:07Z")',
        'f.formatDate("2026-01-15T09:05:07Z")',
      ]),
    ).toEqual([
      '15 Jan 2026, 09:05 UTC',
      '15 Jan 2026, 09:00 – 09:30 UTC',
      '15 Jan 2026, 23:30 UTC – 16 Jan 2026, 00:30 UTC',
      '15 Jan 2026, 09:05:07 UTC',
      '15 Jan 2026',
    ]);
  });

  it('in the reader’s own zone, named', () => {
    const [dateTime, range] = formatIn('Europe/Berlin', [
      'f.formatDateTime("2026-01-15T09:05:00Z")',
      'f.formatRange("2026-01-15T09:00:00Z", "2026-01-15T09:30:00Z")',
    ]);
    expect(dateTime).toMatch(/^15 Jan 2026, 10:05 (CET|GMT\+1)$/);
    expect(range).toMatch(/^15 Jan 2026, 10:00 – 10:30 (CET|GMT\+1)$/);
  });
});
