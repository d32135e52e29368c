import { router } from '../trpc/trpc';

// Procedures of the meetings area; filled in by its issue.
export const meetingsRouter = router({});
