import { LEAKED_KEY_ACTIONS } from '@keyhole/core';
import { z } from 'zod';
import { listOrgAdmins } from '../services/org/list-admins';
import { updateOrgSettings } from '../services/org/update-settings';
import { idempotent } from '../trpc/idempotency';
import { adminProcedure, router, sessionProcedure } from '../trpc/trpc';

export const orgRouter = router({
  // The org was read with the session, in this very request.
  get: sessionProcedure.query(({ ctx }) => ctx.org),

  // Every signed-in user: whom to ask for what only admins may do.
  admins: sessionProcedure.query(({ ctx }) => listOrgAdmins(ctx.deps, ctx.actor)),

  updateSettings: adminProcedure
    .input(
      z.strictObject({
        orgFullKeysIncludePrivate: z.boolean().optional(),
        allowKeyReveal: z.boolean().optional(),
        leakedKeyAction: z.enum(LEAKED_KEY_ACTIONS).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => updateOrgSettings(ctx.deps, ctx.actor, input, write)),
    ),
});
