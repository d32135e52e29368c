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
          actorId: z.uuid().optional(),
          /** Events at or after `from` and before `to`. */
          from: dateInput.optional(),
          to: dateInput.optional(),
        })
        // zod runs object refinements even when a field failed; then there is nothing to compare.
        .refine((q) => !(q.from instanceof Date && q.to instanceof Date) || q.to >= q.from, {
          path: ['to'],
          error: 'must not be before from (from is inclusive, to exclusive)',
        })
        .optional(),
    )
    .query(({ ctx, input }) =>
      listAudit(ctx.deps, ctx.actor, {
        cursor: input?.cursor,
        limit: input?.limit ?? 50,
        action: input?.action,
        actorId: input?.actorId,
        from: input?.from,
        to: input?.to,
      }),
    ),
});
