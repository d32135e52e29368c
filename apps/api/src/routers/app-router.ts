import { router } from '../trpc/trpc';
import { healthProcedure } from './health-router';

export const appRouter = router({
  health: healthProcedure,
});

export type AppRouter = typeof appRouter;
