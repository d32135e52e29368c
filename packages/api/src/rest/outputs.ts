import { ERROR_CODES, MEETING_STATES, SCOPES, WEBHOOK_DISABLED_REASONS, WEBHOOK_EVENTS } from '@keyhole/core';
import { z } from 'zod';
import type { RouterOutputs } from '../index';

/**
 * What the key-holder procedures answer, as zod schemas: for the OpenAPI document and the contract
 * test that parses real answers with them — never parsed per request (the services build these
 * shapes; `satisfies` keeps each schema equal to the type its service returns).
 */

const instant = z.iso
  .datetime()
  .meta({ description: 'ISO-8601 in UTC', example: '2026-03-02T15:00:00.000Z' });
const uuid = z.guid();

const person = z.strictObject({ id: uuid, name: z.string(), email: z.string() });

export const meetingOutput = z
  .strictObject({
    id: uuid,
    subject: z.string(),
    startAt: instant,
    endAt: instant,
    durationSeconds: z.int().min(0),
    state: z.enum(MEETING_STATES),
    isPrivate: z.boolean(),
    host: person,
    attendees: z.array(
      z.strictObject({
        email: z.string(),
        name: z.string(),
        userId: uuid.nullable().meta({ description: 'Set when the attendee is a member of the org' }),
      }),
    ),
    transcriptReady: z.boolean(),
    createdAt: instant,
    updatedAt: instant,
    completedAt: instant.nullable(),
  })
  .meta({
    id: 'Meeting',
    description: 'A meeting the key may read (SPEC §2 decides which).',
  }) satisfies z.ZodType<RouterOutputs['meetings']['get']>;

export const meetingPageOutput = z
  .strictObject({
    items: z.array(meetingOutput),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .meta({ id: 'MeetingPage' }) satisfies z.ZodType<RouterOutputs['meetings']['list']>;

const segment = z.strictObject({
  speaker: z.string(),
  startSeconds: z.number(),
  endSeconds: z.number(),
  text: z.string(),
});

export const transcriptOutput = z.strictObject({ meetingId: uuid, segments: z.array(segment) }).meta({
  id: 'Transcript',
  description: 'Empty `segments` when the meeting has no transcript.',
}) satisfies z.ZodType<RouterOutputs['meetings']['transcript']>;

export const whoamiOutput = z
  .strictObject({
    key: z.strictObject({ id: uuid, name: z.string(), scope: z.enum(SCOPES), clientKey: z.string() }),
    org: z.strictObject({ id: uuid, name: z.string() }),
    issuedTo: z
      .strictObject({ id: uuid, name: z.string(), email: z.string() })
      .nullable()
      .meta({ description: 'The user a user-scoped key reads as; null for org keys.' }),
  })
  .meta({ id: 'WhoAmI' }) satisfies z.ZodType<RouterOutputs['whoami']>;

export const webhookOutput = z
  .strictObject({
    id: uuid,
    keyId: uuid.meta({ description: 'The key this subscription belongs to (the one that made it).' }),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    enabled: z.boolean(),
    disabledReason: z.enum(WEBHOOK_DISABLED_REASONS).nullable().meta({
      description:
        'Why it no longer receives deliveries: `failures` (50 consecutive failures or 24 h of retries), `admin` (an admin disabled it), `key_leaked`; null while enabled.',
    }),
    createdAt: instant,
  })
  .meta({
    id: 'Webhook',
    description:
      'A webhook subscription of the calling key. It sees exactly what the key reads, at delivery time.',
  }) satisfies z.ZodType<RouterOutputs['webhooks']['list'][number]>;

export const webhookListOutput = z.array(webhookOutput) satisfies z.ZodType<
  RouterOutputs['webhooks']['list']
>;

export const subscribeOutput = z
  .strictObject({
    subscription: webhookOutput,
    secret: z.string().meta({
      description:
        'The signing secret (`whsec_` + base64), shown this once: verify each delivery with it (Standard Webhooks). To change it, delete the subscription and subscribe again.',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
  })
  .meta({ id: 'WebhookSubscribed' }) satisfies z.ZodType<RouterOutputs['webhooks']['subscribe']>;

export const okOutput = z.strictObject({ ok: z.literal(true) }).meta({ id: 'Ok' }) satisfies z.ZodType<
  RouterOutputs['webhooks']['unsubscribe']
>;

/** SPEC §10: every REST error. */
export const restErrorOutput = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(ERROR_CODES),
      reason: z
        .string()
        .nullable()
        .meta({ description: 'Machine-readable reason (`invalid_key`, `rate_limited`, …), or null.' }),
      message: z.string().meta({ description: 'What went wrong and what to do, for people.' }),
    }),
  })
  .meta({ id: 'Error' });

export type RestErrorBody = z.infer<typeof restErrorOutput>;
