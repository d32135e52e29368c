import { describe, expect, it } from 'vitest';
import { parseAttendees } from '../src/lib/attendees';

describe('parseAttendees', () => {
  it('reads bare addresses and "Name <address>", one per line or comma-separated', () => {
    expect(parseAttendees('ada@example.com\nBea Baker <bea@example.com>, carl@example.com')).toEqual([
      { email: 'ada@example.com' },
      { email: 'bea@example.com', name: 'Bea Baker' },
      { email: 'carl@example.com' },
    ]);
  });

  it('keeps a comma inside a quoted name and drops the quotes', () => {
    expect(parseAttendees('"Diaz, Carl" <carl@example.com>; dana@example.com')).toEqual([
      { email: 'carl@example.com', name: 'Diaz, Carl' },
      { email: 'dana@example.com' },
    ]);
  });

  it('ignores blank lines and surrounding space; nothing typed is no attendees', () => {
    expect(parseAttendees('  \n\n  ada@example.com  \n')).toEqual([{ email: 'ada@example.com' }]);
    expect(parseAttendees('')).toEqual([]);
    expect(parseAttendees('<bea@example.com>')).toEqual([{ email: 'bea@example.com' }]);
  });

  it('passes text that is not an address on unchanged, for the API to refuse by name', () => {
    expect(parseAttendees('not an address')).toEqual([{ email: 'not an address' }]);
  });
});
