import { describe, expect, it } from 'vitest';
import { niceCeiling } from '../src/lib/chart-scale';

describe('niceCeiling', () => {
  it('rounds the largest value up to 1, 2 or 5 times a power of ten', () => {
    expect([1, 2, 3, 5, 6, 10, 11, 20, 21, 99, 100, 101, 4321].map(niceCeiling)).toEqual([
      1, 2, 5, 5, 10, 10, 20, 20, 50, 100, 100, 200, 5000,
    ]);
  });

  it('gives an axis of 1 when there is nothing to show', () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(Number.NaN)).toBe(1);
  });
});
