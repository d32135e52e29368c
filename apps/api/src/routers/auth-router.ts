import { router } from '../trpc/trpc';

// Procedures of the auth area; filled in by its issue.
export const authRouter = router({});
