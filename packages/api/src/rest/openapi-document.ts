import { type ERROR_CODES, HTTP_STATUS } from '@keyhole/core';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { restErrorOutput } from './outputs';
import { REST_ROUTES, type RestRoute } from './routes';

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

const ERROR_EXAMPLES: Partial<Record<ErrorCode, { reason: string | null; message: string; why: string }>> = {
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

function errorResponse(code: ErrorCode) {
  const example = ERROR_EXAMPLES[code]!;
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

function operation(route: RestRoute): ZodOpenApiOperationObject {
  const errors = [...new Set<ErrorCode>([...route.errors, ...COMMON_ERRORS])].sort(
    (a, b) => HTTP_STATUS[a] - HTTP_STATUS[b],
  );
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: `${route.description}\n\nSame as the tRPC procedure \`${route.procedure}\`.`,
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
      ...Object.fromEntries(errors.map((code) => [String(HTTP_STATUS[code]), errorResponse(code)])),
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
