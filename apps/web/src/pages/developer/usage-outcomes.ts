import type { RouterOutputs } from '../../lib/trpc';

export type UsageDay = RouterOutputs['keys']['usage']['days'][number];

/** What became of a key's calls, bottom of a stacked bar first (SPEC §5 `keys.usage`, §7). */
const OUTCOMES = [
  { field: 'succeeded', label: 'Success' },
  { field: 'clientErrors', label: 'Client error' },
  { field: 'rateLimited', label: 'Rate limited' },
  { field: 'serverErrors', label: 'Server error' },
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/**
 * The outcomes a chart shows: success, client error and rate limited always (SPEC §7), server
 * errors only when the period had any — they are ours, rare, and a fourth empty colour is noise.
 */
export function shownOutcomes(days: readonly UsageDay[]): Outcome[] {
  const anyServerError = days.some((d) => d.serverErrors > 0);
  return OUTCOMES.filter((o) => o.field !== 'serverErrors' || anyServerError);
}

/** Each shown outcome's total over the days. */
export function outcomeTotals(days: readonly UsageDay[], outcomes: readonly Outcome[]) {
  return outcomes.map((o) => ({ ...o, total: days.reduce((sum, d) => sum + d[o.field], 0) }));
}

/** "3 in total: 2 succeeded, 1 client error, 0 rate limited", for the chart's accessible name. */
export function usageSummary(days: readonly UsageDay[], outcomes: readonly Outcome[]): string {
  const total = days.reduce((sum, d) => sum + d.requests, 0);
  const parts = outcomeTotals(days, outcomes).map(
    (o) => `${o.total.toLocaleString()} ${o.label.toLowerCase()}`,
  );
  return `${total.toLocaleString()} in total: ${parts.join(', ')}`;
}
