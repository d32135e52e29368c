import { describe, expect, it } from 'vitest';
import {
  outcomeTotals,
  shownOutcomes,
  type UsageDay,
  usageSummary,
} from '../src/pages/developer/usage-outcomes';

const day = (date: string, c: Partial<Omit<UsageDay, 'date' | 'requests'>> = {}): UsageDay => {
  const counts = { succeeded: 0, clientErrors: 0, rateLimited: 0, serverErrors: 0, ...c };
  return {
    date,
    ...counts,
    requests: counts.succeeded + counts.clientErrors + counts.rateLimited + counts.serverErrors,
  };
};

describe('usage by outcome', () => {
  it('always shows success, client error and rate limited; server errors only when there were some', () => {
    const quiet = [day('2026-03-01', { succeeded: 3, clientErrors: 1 }), day('2026-03-02')];
    expect(shownOutcomes(quiet).map((o) => o.label)).toEqual(['Success', 'Client error', 'Rate limited']);
    const faulty = [...quiet, day('2026-03-03', { serverErrors: 2 })];
    expect(shownOutcomes(faulty).map((o) => o.label)).toEqual([
      'Success',
      'Client error',
      'Rate limited',
      'Server error',
    ]);
  });

  it('totals each outcome over the period and says it in words', () => {
    const days = [
      day('2026-03-01', { succeeded: 3, clientErrors: 1 }),
      day('2026-03-02', { succeeded: 1, rateLimited: 4 }),
    ];
    const outcomes = shownOutcomes(days);
    expect(outcomeTotals(days, outcomes).map((o) => [o.label, o.total])).toEqual([
      ['Success', 4],
      ['Client error', 1],
      ['Rate limited', 4],
    ]);
    expect(usageSummary(days, outcomes)).toBe('9 in total: 4 success, 1 client error, 4 rate limited');
  });
});
