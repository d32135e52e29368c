import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../src/lib/format';
import { keySlots, keyWarnings, leakedKeysSummary, leakNote } from '../src/pages/developer/key-notes';

const NOW = new Date('2026-03-01T12:00:00Z');
const active = { name: 'Bea Baker', status: 'active' as const };

describe('keyWarnings', () => {
  it('says nothing about a working key', () => {
    expect(keyWarnings({ expiresAt: null, issuedTo: active }, NOW)).toEqual([]);
    expect(keyWarnings({ expiresAt: '2026-03-01T12:00:01.000Z', issuedTo: null }, NOW)).toEqual([]);
  });

  it('warns that requests fail once the expiry has passed (at the very instant too)', () => {
    for (const expiresAt of ['2026-03-01T12:00:00.000Z', '2025-12-31T00:00:00.000Z']) {
      const [warning, ...rest] = keyWarnings({ expiresAt, issuedTo: null }, NOW);
      expect(rest).toEqual([]);
      expect(warning?.kind).toBe('expired');
      expect(warning?.text).toMatch(/^Expired .+: requests with this key fail\./);
    }
  });

  it('warns that requests fail while the issued-to user is deactivated, and names them', () => {
    const warnings = keyWarnings({ expiresAt: null, issuedTo: { ...active, status: 'deactivated' } }, NOW);
    expect(warnings).toEqual([
      {
        kind: 'user_deactivated',
        text: 'Bea Baker is deactivated: requests with this key fail until they are reactivated.',
      },
    ]);
  });

  it('gives both warnings when both hold', () => {
    const warnings = keyWarnings(
      { expiresAt: '2026-01-01T00:00:00.000Z', issuedTo: { ...active, status: 'deactivated' } },
      NOW,
    );
    expect(warnings.map((w) => w.kind)).toEqual(['expired', 'user_deactivated']);
  });
});

describe('keySlots', () => {
  it('counts the keys used and gives the reason only at the limit', () => {
    expect(keySlots(0, 10)).toEqual({ summary: '0 of 10 keys used', full: false, reason: null });
    expect(keySlots(9, 10)).toMatchObject({ summary: '9 of 10 keys used', full: false, reason: null });
    const full = keySlots(10, 10);
    expect(full.full).toBe(true);
    expect(full.summary).toBe('10 of 10 keys used');
    expect(full.reason).toContain('reached its limit of 10 API keys');
    expect(full.reason).toContain('Delete a key');
  });
});

describe('leakNote', () => {
  it('says nothing about a key no scanner reported', () => {
    expect(leakNote({ leakedAt: null, leakedUrl: null })).toBeNull();
  });

  it('gives the time in the reader’s zone and the URL as a link only for http(s)', () => {
    const leakedAt = '2026-03-01T09:30:00.000Z';
    const url = 'https://github.com/acme/scripts/blob/main/config.py#L3';
    expect(leakNote({ leakedAt, leakedUrl: url })).toEqual({
      at: leakedAt,
      when: formatDateTime(leakedAt),
      where: { text: url, href: url },
    });
    expect(leakNote({ leakedAt, leakedUrl: 'javascript:alert(1)' })?.where).toEqual({
      text: 'javascript:alert(1)',
      href: null,
    });
    expect(leakNote({ leakedAt, leakedUrl: 'a commit in a private mirror' })?.where).toEqual({
      text: 'a commit in a private mirror',
      href: null,
    });
    expect(leakNote({ leakedAt, leakedUrl: null })).toEqual({
      at: leakedAt,
      when: formatDateTime(leakedAt),
      where: null,
    });
  });

  it('counts flagged keys in the page alert', () => {
    expect(leakedKeysSummary(1)).toBe('1 key was found published.');
    expect(leakedKeysSummary(3)).toBe('3 keys were found published.');
  });
});
