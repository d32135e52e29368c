import { router } from '../trpc/trpc';

// Procedures of the members area; filled in by its issue.
export const membersRouter = router({});
