import { USER_ROLES, USER_STATUSES } from '@keyhole/core';
import { z } from 'zod';
import { addMember } from '../services/members/add-member';
import { listMembers } from '../services/members/list-members';
import { setMemberRole } from '../services/members/set-role';
import { setMemberStatus } from '../services/members/set-status';
import { idempotent } from '../trpc/idempotency';
import { adminProcedure, router } from '../trpc/trpc';
import { emailField, newPasswordField, personNameField } from './account-fields';

export const membersRouter = router({
  list: adminProcedure.query(({ ctx }) => listMembers(ctx.deps, ctx.actor)),

  add: adminProcedure
    .input(
      z.strictObject({
        email: emailField,
        name: personNameField,
        role: z.enum(USER_ROLES),
        password: newPasswordField,
      }),
    )
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => addMember(ctx.deps, ctx.actor, input, write)),
    ),

  setRole: adminProcedure
    .input(z.strictObject({ userId: z.uuid(), role: z.enum(USER_ROLES) }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => setMemberRole(ctx.deps, ctx.actor, input, write)),
    ),

  setStatus: adminProcedure
    .input(z.strictObject({ userId: z.uuid(), status: z.enum(USER_STATUSES) }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => setMemberStatus(ctx.deps, ctx.actor, input, write)),
    ),
});
