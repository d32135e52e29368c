import { AUDIT_ACTIONS } from '@keyhole/core';
import { z } from 'zod';
import { dateInput } from '../lib/date-input';
import { listAudit } from '../services/audit/list-audit';
import { adminProcedure, router } from '../trpc/trpc';

export const auditRouter = router({
  list: adminProcedure
    .input(
      z
        .strictObject({
          cursor: z.string().optional(),
          limit: z.number().int().min(1).max(100).optional(),
          action: z.enum(AUDIT_ACTIONS).optional(),
          /** Events at or after `from` and before `to`. */
          from: dateInput.optional(),
          to: dateInput.optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) =>
      listAudit(ctx.deps, ctx.actor, {
        cursor: input?.cursor,
        limit: input?.limit ?? 50,
        action: input?.action,
        from: input?.from,
        to: input?.to,
      }),
    ),
});
