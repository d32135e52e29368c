import { router } from '../trpc/trpc';

// Procedures of the org area; filled in by its issue.
export const orgRouter = router({});
