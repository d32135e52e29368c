import { z } from 'zod';
import { updateOrgSettings } from '../services/org/update-settings';
import { idempotent } from '../trpc/idempotency';
import { adminProcedure, router, sessionProcedure } from '../trpc/trpc';

export const orgRouter = router({
  // The org was read with the session, in this very request.
  get: sessionProcedure.query(({ ctx }) => ctx.org),

  updateSettings: adminProcedure
    .input(
      z.strictObject({
        orgFullKeysIncludePrivate: z.boolean().optional(),
        allowKeyReveal: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => updateOrgSettings(ctx.deps, ctx.actor, input, write)),
    ),
});
