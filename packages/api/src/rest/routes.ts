import { WEBHOOK_LIMITS } from '@keyhole/core';
import { z } from 'zod';
import { listMeetingsFields, meetingIdInput } from '../routers/meetings-inputs';
import { subscribeInput, webhookIdInput } from '../routers/webhooks-router';
import {
  meetingOutput,
  meetingPageOutput,
  okOutput,
  subscribeOutput,
  transcriptOutput,
  webhookListOutput,
  whoamiOutput,
} from './outputs';

/**
 * The REST face (SPEC §10): each route names the tRPC procedure it calls, so validation, the access
 * rule, errors, rate limits and headers are that procedure's own code. The parameter schemas here are
 * the procedures' input schemas (documented copies, never the parsers): they feed the OpenAPI
 * document and tell the REST handler which query values to turn from text into numbers.
 */
export interface RestRoute {
  /** GET calls a query; POST and DELETE call a mutation. */
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path template: `{name}` segments are path parameters. */
  path: string;
  procedure: string;
  operationId: string;
  tag: 'Meetings' | 'Keys' | 'Webhooks';
  summary: string;
  description: string;
  query?: z.ZodObject;
  pathParams?: z.ZodObject;
  /** POST only: the JSON body, the procedure's input as is (no coercion: it is JSON already). */
  body?: z.ZodObject;
  output: z.ZodType;
  example: unknown;
  /** Answers carry `Link: <next page>; rel="next"` while `nextCursor` is set. */
  paginated?: true;
  /** Error codes this operation can answer besides the ones every operation can. */
  errors: readonly ('NOT_FOUND' | 'BAD_REQUEST' | 'CONFLICT' | 'UNSUPPORTED_MEDIA_TYPE')[];
}

export const EXAMPLE_MEETING = {
  id: '6f1c2a4e-3b7d-4c1a-9e2f-8a5b6c7d8e9f',
  subject: 'Quarterly planning',
  startAt: '2026-03-02T15:00:00.000Z',
  endAt: '2026-03-02T16:00:00.000Z',
  durationSeconds: 3600,
  state: 'completed',
  isPrivate: false,
  host: { id: '0b9f6d1e-2c3a-4b5d-8e7f-1a2b3c4d5e6f', name: 'Ada Admin', email: 'ada@example.com' },
  attendees: [
    { email: 'ben@example.com', name: 'Ben', userId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f' },
    { email: 'guest@partner.example', name: 'guest', userId: null },
  ],
  transcriptReady: true,
  createdAt: '2026-02-20T09:12:00.000Z',
  updatedAt: '2026-03-02T16:05:00.000Z',
  completedAt: '2026-03-02T16:00:00.000Z',
};

/** Field descriptions for the document, on a copy of each input field. */
function described(object: z.ZodObject, descriptions: Record<string, string>): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(object.shape)) {
    const description = descriptions[name];
    shape[name] = description ? (field as z.ZodType).meta({ description }) : (field as z.ZodType);
  }
  return z.strictObject(shape);
}

const meetingPath = described(meetingIdInput, { id: 'The meeting id (a UUID).' });

const EXAMPLE_WEBHOOK = {
  id: '3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b',
  keyId: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a',
  url: 'https://hooks.example.com/keyhole',
  events: ['meeting.created', 'meeting.completed'],
  enabled: true,
  disabledReason: null,
  createdAt: '2026-03-01T10:00:00.000Z',
};

export const REST_ROUTES: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/v1/whoami',
    procedure: 'whoami',
    operationId: 'whoami',
    tag: 'Keys',
    summary: 'The key making the call',
    description:
      'Which key this is (its scope decides what it reads), its org and, for a user-scoped key, the user it reads as. A cheap way to test a key.',
    output: whoamiOutput,
    example: {
      key: {
        id: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a',
        name: 'BI export',
        scope: 'org_limited',
        clientKey: 'kh_4fXq9Zr2LmN8pQ1sT6vW0y',
      },
      org: { id: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d', name: 'Acme' },
      issuedTo: null,
    },
    errors: [],
  },
  {
    method: 'GET',
    path: '/v1/meetings',
    procedure: 'meetings.list',
    operationId: 'listMeetings',
    tag: 'Meetings',
    summary: 'List meetings',
    description:
      'The meetings the key may read, one page at a time. Pass `nextCursor` back as `cursor` until it is null: pages are stable while meetings are added (no item skipped or repeated). A cursor is bound to the key and to `orderBy`, `direction` and the filters it was issued with.',
    query: described(listMeetingsFields, {
      limit: 'Page size, 1–100 (default 25).',
      cursor: 'The `nextCursor` of the previous page; leave out for the first page.',
      from: 'Only meetings starting at or after this instant (inclusive), ISO-8601 with an offset.',
      to: 'Only meetings starting before this instant (exclusive), ISO-8601 with an offset.',
      state: 'Only meetings in this state.',
      orderBy: '`completedAt` lists only meetings that have completed.',
      direction: 'Newest first (`desc`, the default) or oldest first.',
    }),
    output: meetingPageOutput,
    paginated: true,
    example: { items: [EXAMPLE_MEETING], nextCursor: 'eyJ2IjoxLCJrIjpbIjIwMjYtMDMtMDJUMTUifQ.c2ln' },
    errors: ['BAD_REQUEST'],
  },
  {
    method: 'GET',
    path: '/v1/meetings/{id}',
    procedure: 'meetings.get',
    operationId: 'getMeeting',
    tag: 'Meetings',
    summary: 'Get a meeting',
    description:
      'One meeting. A meeting the key may not read answers 404, exactly like one that does not exist.',
    pathParams: meetingPath,
    output: meetingOutput,
    example: EXAMPLE_MEETING,
    errors: ['BAD_REQUEST', 'NOT_FOUND'],
  },
  {
    method: 'GET',
    path: '/v1/meetings/{id}/transcript',
    procedure: 'meetings.transcript',
    operationId: 'getTranscript',
    tag: 'Meetings',
    summary: "Get a meeting's transcript",
    description:
      'The transcript segments of a meeting the key may read (empty when there is none); 404 otherwise.',
    pathParams: meetingPath,
    output: transcriptOutput,
    example: {
      meetingId: EXAMPLE_MEETING.id,
      segments: [
        { speaker: 'Ada Admin', startSeconds: 0, endSeconds: 4.2, text: 'Welcome, everyone.' },
        { speaker: 'Ben', startSeconds: 4.2, endSeconds: 9, text: 'Thanks. First item: the roadmap.' },
      ],
    },
    errors: ['BAD_REQUEST', 'NOT_FOUND'],
  },
  {
    method: 'GET',
    path: '/v1/webhooks',
    procedure: 'webhooks.list',
    operationId: 'listWebhooks',
    tag: 'Webhooks',
    summary: "List this key's webhook subscriptions",
    description:
      'The subscriptions made with this key (not those of other keys of the org), enabled or not. Secrets are never shown again.',
    output: webhookListOutput,
    example: [EXAMPLE_WEBHOOK],
    errors: ['BAD_REQUEST'],
  },
  {
    method: 'POST',
    path: '/v1/webhooks',
    procedure: 'webhooks.subscribe',
    operationId: 'subscribeWebhook',
    tag: 'Webhooks',
    summary: 'Subscribe to meeting events',
    description: `Deliveries of the chosen events are POSTed to \`url\`, signed with the returned \`secret\` (Standard Webhooks; see the \`webhooks\` section of this document for the payloads). A delivery carries a meeting only if this key can read it when the delivery is sent. At most ${WEBHOOK_LIMITS.subscriptionsPerKey} subscriptions per key. The body is JSON (\`content-type: application/json\`). \`Idempotency-Key\` is refused (400): the answer holds a secret that is never stored, so it could not be replayed — list the subscriptions before retrying instead.`,
    body: described(subscribeInput, {
      url: `Where deliveries are POSTed: an \`https\` URL of at most ${WEBHOOK_LIMITS.urlMaxLength} characters, without user info or fragment, whose host is (and resolves to) a public address — loopback, private, link-local and multicast destinations are refused (\`webhook_url_not_allowed\`), at subscribe time and again at each delivery.`,
      events: 'The events to receive: at least one, each at most once.',
    }),
    output: subscribeOutput,
    example: { subscription: EXAMPLE_WEBHOOK, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    errors: ['BAD_REQUEST', 'CONFLICT', 'UNSUPPORTED_MEDIA_TYPE'],
  },
  {
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    procedure: 'webhooks.unsubscribe',
    operationId: 'unsubscribeWebhook',
    tag: 'Webhooks',
    summary: 'Delete a webhook subscription',
    description:
      'Stops deliveries to it at once. A subscription of another key answers 404, exactly like one that does not exist; so does a second delete. `Idempotency-Key` is refused (400): a repeat is already harmless (404).',
    pathParams: described(webhookIdInput, { id: 'The subscription id.' }),
    output: okOutput,
    example: { ok: true },
    errors: ['BAD_REQUEST', 'NOT_FOUND'],
  },
];

export interface RestMatch {
  route: RestRoute;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
}

interface CompiledRoute {
  route: RestRoute;
  segments: ({ literal: string } | { param: string })[];
}

const COMPILED: CompiledRoute[] = REST_ROUTES.map((route) => ({
  route,
  segments: route.path
    .split('/')
    .slice(1)
    .map((s) => (s.startsWith('{') ? { param: s.slice(1, -1) } : { literal: s })),
}));

/**
 * The routes at a path: `{ matches }` (one per method; empty for an unknown path) with the path's
 * parameters, or `malformed` when a parameter is not valid percent-encoding.
 */
export function matchRestPath(pathname: string): { matches: RestMatch[] } | { malformed: string } {
  const parts = pathname.split('/').slice(1);
  const matches: RestMatch[] = [];
  for (const compiled of COMPILED) {
    if (compiled.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const segment = compiled.segments[i]!;
      const part = parts[i]!;
      if ('literal' in segment) ok = segment.literal === part;
      else if (part === '') ok = false;
      else {
        try {
          params[segment.param] = decodeURIComponent(part);
        } catch {
          return { malformed: segment.param };
        }
      }
    }
    if (ok) matches.push({ route: compiled.route, params });
  }
  return { matches };
}
