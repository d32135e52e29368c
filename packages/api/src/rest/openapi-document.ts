import { type ERROR_CODES, HTTP_STATUS, WEBHOOK_EVENTS, type WebhookEvent } from '@keyhole/core';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { meetingOutput, restErrorOutput } from './outputs';
import { EXAMPLE_MEETING, REST_ROUTES, type RestRoute } from './routes';

/**
 * The OpenAPI 3.1 document of the REST face, generated from the route table (routes.ts), the
 * procedures' input schemas and the output schemas (outputs.ts): nothing in it is written by hand
 * but the prose. Built once per process; `servers` is filled in per request (the host it is served on).
 */

const rateLimitHeaders = z.strictObject({
  'X-RateLimit-Limit': z.int().meta({ description: "The key's calls per 60-second window." }),
  'X-RateLimit-Remaining': z.int().meta({ description: 'Calls left in this window, after this one.' }),
  'X-RateLimit-Reset': z.int().meta({ description: 'Seconds until the window resets.' }),
});

const pageHeaders = rateLimitHeaders.extend({
  Link: z.string().optional().meta({
    description:
      'While there is a next page: `<URL of the next page>; rel="next"` (RFC 8288), the same request with `cursor` set to `nextCursor`.',
  }),
});

const retryAfter = z.strictObject({
  'Retry-After': z.int().meta({ description: 'Whole seconds to wait before retrying.' }),
});

type ErrorCode = (typeof ERROR_CODES)[number];

type ErrorExample = { reason: string | null; message: string; why: string };

const ERROR_EXAMPLES: Partial<Record<ErrorCode, ErrorExample>> = {
  BAD_REQUEST: {
    reason: null,
    message: 'limit: must be between 1 and 100',
    why: 'A parameter is invalid (the message names it), an unknown parameter was sent, or a cursor was not issued for this query (reason `invalid_cursor`).',
  },
  UNAUTHORIZED: {
    reason: 'invalid_key',
    message: 'Invalid API key.',
    why: 'No key, or a key that is unknown, revoked (`invalid_key`) or expired (`key_expired`). A session cookie alone is `key_required`: REST takes keys only.',
  },
  FORBIDDEN: {
    reason: 'key_user_deactivated',
    message: 'The user this key is issued to is deactivated.',
    why: 'The user a user-scoped key reads as is deactivated.',
  },
  NOT_FOUND: {
    reason: null,
    message: 'Meeting not found (or not visible to this caller).',
    why: 'No such meeting, or one this key may not read: the two are never told apart.',
  },
  CONFLICT: {
    reason: 'webhook_limit_reached',
    message: 'This key already has 25 webhook subscriptions: delete one first.',
    why: 'The key already has the most subscriptions it may have (`webhook_limit_reached`).',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    reason: null,
    message: 'Send the body as JSON, with content-type: application/json.',
    why: 'The body is not declared as JSON (`content-type: application/json`).',
  },
  TOO_MANY_REQUESTS: {
    reason: 'rate_limited',
    message: 'Rate limit exceeded: 300 calls per minute. Retry after 12 s.',
    why: "The key's budget for this minute is spent (`rate_limited`), or the server is busy (`server_busy`). Wait `Retry-After` seconds.",
  },
  SERVICE_UNAVAILABLE: {
    reason: 'database_unavailable',
    message: 'The database cannot be reached. Retry in a moment.',
    why: 'The database is down or not answering; nothing was changed. Retry.',
  },
};

/** What an operation's own refusals look like where they differ from the generic ones above. */
const ROUTE_ERRORS: Record<string, Partial<Record<ErrorCode, ErrorExample>>> = {
  subscribeWebhook: {
    BAD_REQUEST: {
      reason: 'webhook_url_not_allowed',
      message: 'url: https://10.0.0.1/x resolves to a private address; use a public destination.',
      why: 'The body is not valid JSON, a field is invalid (the message names it: `events: name at least one event`, `events: each event at most once`, `url: at most 2000 characters`…), an unknown field was sent, the URL is refused (`webhook_url_not_allowed`: not https, or its host is or resolves to a loopback, private, link-local or multicast address), or an `Idempotency-Key` was sent (`idempotency_key_invalid`).',
    },
  },
  unsubscribeWebhook: {
    BAD_REQUEST: {
      reason: 'idempotency_key_invalid',
      message: 'Idempotency-Key is not accepted by webhooks.unsubscribe: a repeat is harmless (404).',
      why: 'An `Idempotency-Key` was sent (`idempotency_key_invalid`).',
    },
    NOT_FOUND: {
      reason: null,
      message: 'Webhook subscription not found.',
      why: 'No such subscription, one of another key, or one already deleted: the three are never told apart.',
    },
  },
  listWebhooks: {
    BAD_REQUEST: {
      reason: null,
      message: 'input: unknown field "x"',
      why: 'An unknown parameter was sent.',
    },
  },
};

function errorResponse(code: ErrorCode, operationId: string) {
  const example = ROUTE_ERRORS[operationId]?.[code] ?? ERROR_EXAMPLES[code]!;
  return {
    description: example.why,
    ...(code === 'TOO_MANY_REQUESTS' || code === 'SERVICE_UNAVAILABLE' ? { headers: retryAfter } : {}),
    content: {
      'application/json': {
        schema: restErrorOutput,
        example: { error: { code, reason: example.reason, message: example.message } },
      },
    },
  };
}

const COMMON_ERRORS: ErrorCode[] = ['UNAUTHORIZED', 'FORBIDDEN', 'TOO_MANY_REQUESTS', 'SERVICE_UNAVAILABLE'];

const BODY_EXAMPLES: Record<string, unknown> = {
  subscribeWebhook: {
    url: 'https://hooks.example.com/keyhole',
    events: ['meeting.created', 'meeting.completed'],
  },
};

const EVENT_PROSE: Record<WebhookEvent, string> = {
  'meeting.created': 'A meeting was created.',
  'meeting.updated': 'A meeting changed (any change, its completion included).',
  'meeting.completed':
    'A meeting completed: the first time its `completedAt` is set. Sent beside `meeting.updated`.',
};

const signatureHeaders = z.strictObject({
  'webhook-id': z.string().meta({
    description: 'The delivery id: the same on every retry of one delivery (deduplicate on it).',
    example: 'msg_2f1c0b9a8e7d4c6b',
  }),
  'webhook-timestamp': z.string().meta({
    description:
      'When this attempt was sent, in Unix seconds. Refuse stale ones (Standard Webhooks: 5 minutes).',
    example: '1772463900',
  }),
  'webhook-signature': z.string().meta({
    description:
      '`v1,` + base64 of HMAC-SHA256 keyed with the subscription secret (the base64 after `whsec_`) over `webhook-id.webhook-timestamp.body` (Standard Webhooks); the `standardwebhooks` package verifies it.',
    example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  }),
});

/** The OpenAPI 3.1 `webhooks`: what Keyhole POSTs to a subscription's URL, one entry per event. */
function webhookPayloads() {
  return Object.fromEntries(
    WEBHOOK_EVENTS.map((type) => [
      type,
      {
        post: {
          operationId: `${type.replace('.', '_')}_event`,
          tags: ['Webhooks'],
          summary: type,
          description: `${EVENT_PROSE[type]} \`data\` is the meeting as the subscription's key reads it when the delivery is sent; a key that can no longer read it gets nothing. Answer 2xx within 10 s; anything else is retried (exponential backoff with jitter, at least 24 h), and 410 deletes the subscription.`,
          security: [],
          requestParams: { header: signatureHeaders },
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: z.strictObject({
                  type: z.literal(type),
                  timestamp: z.iso
                    .datetime()
                    .meta({ description: 'When the event happened (ISO-8601, UTC).' }),
                  data: meetingOutput,
                }),
                example: { type, timestamp: '2026-03-02T16:05:00.000Z', data: EXAMPLE_MEETING },
              },
            },
          },
          responses: {
            '200': { description: 'Received (any 2xx will do).' },
            '410': { description: 'Gone: the subscription is deleted and nothing more is sent.' },
          },
        },
      },
    ]),
  );
}

function operation(route: RestRoute): ZodOpenApiOperationObject {
  const errors = [...new Set<ErrorCode>([...route.errors, ...COMMON_ERRORS])].sort(
    (a, b) => HTTP_STATUS[a] - HTTP_STATUS[b],
  );
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: `${route.description}\n\nSame as the tRPC procedure \`${route.procedure}\`.`,
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: route.body, example: BODY_EXAMPLES[route.operationId] },
            },
          },
        }
      : {}),
    ...(route.query || route.pathParams
      ? {
          requestParams: {
            ...(route.query ? { query: route.query } : {}),
            ...(route.pathParams ? { path: route.pathParams } : {}),
          },
        }
      : {}),
    responses: {
      '200': {
        description: 'OK',
        headers: route.paginated ? pageHeaders : rateLimitHeaders,
        content: { 'application/json': { schema: route.output, example: route.example } },
      },
      ...Object.fromEntries(
        errors.map((code) => [String(HTTP_STATUS[code]), errorResponse(code, route.operationId)]),
      ),
    },
  };
}

function buildDocument(version: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of REST_ROUTES) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Keyhole API',
      version,
      description:
        "Read the meetings an API key may see, over plain REST. Every route is a tRPC procedure of the same server (`/trpc`), with the same validation, access rule, errors and rate limits. Field names are the tRPC ones; dates are ISO-8601 strings in UTC.\n\nSend the whole key string as `Authorization: Bearer CLIENT_KEY:CLIENT_SECRET` (or Basic, the client key as user name and the secret as password), never in a URL. Every call counts one against the key's per-minute budget; answers carry `X-RateLimit-*` headers.",
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'This server' }],
    tags: [
      {
        name: 'Meetings',
        description: 'Meetings, their attendees and transcripts, as far as the key may read them.',
      },
      { name: 'Keys', description: 'The key making the call.' },
      {
        name: 'Webhooks',
        description:
          'Subscriptions of the calling key to meeting events, and (under `webhooks`) the signed deliveries Keyhole POSTs to them. A subscription sees exactly what its key reads, decided again when each delivery is sent.',
      },
    ],
    security: [{ bearerAuth: [] }, { basicAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'CLIENT_KEY:CLIENT_SECRET',
          description: 'The whole key string, as shown once when the key was created.',
        },
        basicAuth: {
          type: 'http',
          scheme: 'basic',
          description: 'The client key (`kh_…`) as user name, the secret (`khs_…`) as password.',
        },
      },
    },
    paths,
    webhooks: webhookPayloads(),
  });
}

let built: { version: string; text: string } | undefined;

/** The document for a server at `origin` (e.g. `https://keyhole.example.com`), as JSON text. */
export function openApiDocumentText(version: string, origin: string): string {
  if (built?.version !== version) built = { version, text: JSON.stringify(buildDocument(version)) };
  const document = JSON.parse(built.text) as { servers: { url: string }[] };
  document.servers[0]!.url = origin;
  return JSON.stringify(document);
}
