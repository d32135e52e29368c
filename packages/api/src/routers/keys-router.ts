import { CREATABLE_SCOPES, MAX_OVERLAP_SECONDS, RATE_LIMIT_MAX, RATE_LIMIT_MIN } from '@keyhole/core';
import { z } from 'zod';
import { dateInput } from '../lib/date-input';
import { storableText } from '../lib/storable-text';
import { createKey } from '../services/keys/create-key';
import { getKeyUsage } from '../services/keys/key-usage';
import { listKeys } from '../services/keys/list-keys';
import { listMyKeys } from '../services/keys/list-my-keys';
import { regenerateKey } from '../services/keys/regenerate-key';
import { renameKey } from '../services/keys/rename-key';
import { revealKey } from '../services/keys/reveal-key';
import { revokeKey } from '../services/keys/revoke-key';
import { idempotent } from '../trpc/idempotency';
import { adminProcedure, router, sessionProcedure, stepUpProcedure } from '../trpc/trpc';

// Ids are free text here: a malformed id is an unknown id, NOT_FOUND like any other (SPEC §5).
const id = z.string().min(1).max(100);
// Bounded loosely here; core's normalizeKeyName says what a name is (1–100 characters after trimming).
const name = storableText(z.string().max(1000));

export const keysRouter = router({
  list: adminProcedure.query(({ ctx }) => listKeys(ctx.deps, ctx.actor)),

  // Any signed-in user: the keys issued to them, so a member knows what acts in their name.
  mine: sessionProcedure.query(({ ctx }) => listMyKeys(ctx.deps, ctx.actor)),

  // Step-up (SPEC §5): the three actions that hand out a secret.
  create: stepUpProcedure
    .input(
      z.strictObject({
        name,
        scope: z.enum(CREATABLE_SCOPES),
        issuedToUserId: id.nullish(),
        expiresAt: dateInput.nullish(),
        rateLimitPerMinute: z.number().int().min(RATE_LIMIT_MIN).max(RATE_LIMIT_MAX).nullish(),
      }),
    )
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) =>
        createKey(ctx.deps, ctx.actor, { ...input, expiresAt: input.expiresAt ?? null }, write),
      ),
    ),

  rename: adminProcedure
    .input(z.strictObject({ id, name }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => renameKey(ctx.deps, ctx.actor, input, write)),
    ),

  regenerate: stepUpProcedure
    .input(
      z.strictObject({
        id,
        previousSecretValidForSeconds: z.number().int().min(0).max(MAX_OVERLAP_SECONDS).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => regenerateKey(ctx.deps, ctx.actor, input, write)),
    ),

  reveal: stepUpProcedure
    .input(z.strictObject({ id }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => revealKey(ctx.deps, ctx.actor, input, write)),
    ),

  revoke: adminProcedure
    .input(z.strictObject({ id }))
    .mutation(({ ctx, input }) =>
      idempotent(ctx, input, (write) => revokeKey(ctx.deps, ctx.actor, input, write)),
    ),

  usage: adminProcedure
    .input(z.strictObject({ id, days: z.number().int().min(1).max(90).optional() }))
    .query(({ ctx, input }) => getKeyUsage(ctx.deps, ctx.actor, input)),
});
