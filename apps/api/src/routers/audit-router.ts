import { router } from '../trpc/trpc';

// Procedures of the audit area; filled in by its issue.
export const auditRouter = router({});
