import { WEBHOOK_EVENTS, WEBHOOK_LIMITS } from '@keyhole/core';
import { z } from 'zod';
import { listKeyWebhooks, unsubscribeWebhook } from '../services/webhooks/key-webhooks';
import {
  deleteWebhook,
  listDeliveries,
  listOrgWebhooks,
  redeliver,
  setWebhookEnabled,
} from '../services/webhooks/org-webhooks';
import { subscribeWebhook } from '../services/webhooks/subscribe';
import { idempotent } from '../trpc/idempotency';
import { adminProcedure, keyProcedure, router } from '../trpc/trpc';

// Ids are free text: a malformed id is an unknown id, NOT_FOUND like any other (SPEC §5).
const id = z.string().min(1).max(100);
const noInput = z.strictObject({}).optional();

/** `webhooks.unsubscribe`'s input (the REST face documents it as `DELETE /v1/webhooks/{id}`). */
export const webhookIdInput = z.strictObject({ id });

/** `webhooks.subscribe`'s input, also the REST face's `POST /v1/webhooks` body. */
export const subscribeInput = z.strictObject({
  url: z
    .string()
    .min(1)
    .max(WEBHOOK_LIMITS.urlMaxLength, `at most ${WEBHOOK_LIMITS.urlMaxLength} characters`),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1, 'name at least one event')
    .max(WEBHOOK_EVENTS.length)
    .refine((events) => new Set(events).size === events.length, 'each event at most once'),
});

export const webhooksRouter = router({
  // Key callers (SPEC §11): any scope, legacy included; a subscription sees what its key reads.
  // Every mutation here takes an Idempotency-Key but subscribe (trpc/idempotency.ts says why).
  subscribe: keyProcedure
    .input(subscribeInput)
    .mutation(({ ctx, input }) => subscribeWebhook(ctx.deps, ctx.actor, input)),
  list: keyProcedure.input(noInput).query(({ ctx }) => listKeyWebhooks(ctx.deps, ctx.actor)),
  unsubscribe: keyProcedure
    .input(webhookIdInput)
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => unsubscribeWebhook(ctx.deps, ctx.actor, input, write)),
    ),

  // Admins, from the Developer page.
  listForOrg: adminProcedure.query(({ ctx }) => listOrgWebhooks(ctx.deps, ctx.actor)),
  setEnabled: adminProcedure
    .input(z.strictObject({ id, enabled: z.boolean() }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => setWebhookEnabled(ctx.deps, ctx.actor, input, write)),
    ),
  delete: adminProcedure
    .input(z.strictObject({ id }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => deleteWebhook(ctx.deps, ctx.actor, input, write)),
    ),
  deliveries: adminProcedure
    .input(
      z.strictObject({
        id,
        cursor: z.string().max(500).nullish(),
        limit: z.number().int().min(1).max(100).optional(),
      }),
    )
    .query(({ ctx, input }) => listDeliveries(ctx.deps, ctx.actor, input)),
  redeliver: adminProcedure
    .input(z.strictObject({ deliveryId: id }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => redeliver(ctx.deps, ctx.actor, input, write)),
    ),
});
