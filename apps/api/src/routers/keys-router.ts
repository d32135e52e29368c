import { router } from '../trpc/trpc';

// Procedures of the keys area; filled in by its issue.
export const keysRouter = router({});
