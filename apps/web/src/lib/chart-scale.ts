/** The smallest "round" number (1, 2 or 5 × 10^n) at or above `max`, so a chart's axis reads cleanly. */
export function niceCeiling(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}
