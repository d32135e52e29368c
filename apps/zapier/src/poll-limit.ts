import type { Bundle } from 'zapier-platform-core';
import { POLL_LIMITS } from './constants.js';

/** How many meetings one poll reads: few for the editor's sample, many to seed deduplication. */
export function pollLimit(bundle: Pick<Bundle, 'meta'>): number {
  if (bundle.meta?.isLoadingSample) return POLL_LIMITS.loadingSample;
  if (bundle.meta?.isPopulatingDedupe) return POLL_LIMITS.populatingDedupe;
  return POLL_LIMITS.regular;
}
