import { publicProcedure } from '../trpc/trpc';

export const healthProcedure = publicProcedure.query(({ ctx }) => ({
  ok: true as const,
  database: ctx.deps.database.kind,
  version: ctx.deps.version,
}));
