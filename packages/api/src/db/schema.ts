import {
  AUDIT_ACTOR_TYPES,
  DEFAULT_LEAKED_KEY_ACTION,
  DEFAULT_MEETING_STATE,
  DELIVERY_STATUSES,
  LEAKED_KEY_ACTIONS,
  MEETING_STATES,
  SCOPES,
  USER_ROLES,
  USER_STATUSES,
  WEBHOOK_DISABLED_REASONS,
  type WebhookEvent,
} from '@keyhole/core';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

// Millisecond precision: what a JS Date holds, so keyset cursors built from Dates match rows exactly.
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

export const orgs = pgTable('orgs', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  orgFullKeysIncludePrivate: boolean('org_full_keys_include_private').notNull().default(true),
  allowKeyReveal: boolean('allow_key_reveal').notNull().default(true),
  leakedKeyAction: text('leaked_key_action', { enum: LEAKED_KEY_ACTIONS })
    .notNull()
    .default(DEFAULT_LEAKED_KEY_ACTION),
  createdAt: tstz('created_at').notNull().defaultNow(),
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id),
    // Stored as typed; uniqueness and look-up go through lower(email).
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: USER_ROLES }).notNull(),
    status: text('status', { enum: USER_STATUSES }).notNull().default('active'),
    passwordHash: text('password_hash').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_lower_uq').on(sql`lower(${t.email})`),
    index('users_org_idx').on(t.orgId, t.createdAt),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // SHA-256 of the cookie token: a leaked table cannot be replayed as cookies.
    tokenHash: bytea('token_hash').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: tstz('created_at').notNull().defaultNow(),
    lastSeenAt: tstz('last_seen_at').notNull().defaultNow(),
    // Step-up (SPEC §5): when the password was last entered in this session; null = never (older rows).
    passwordEnteredAt: tstz('password_entered_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [uniqueIndex('sessions_token_hash_uq').on(t.tokenHash), index('sessions_user_idx').on(t.userId)],
);

export const meetings = pgTable(
  'meetings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id),
    hostId: uuid('host_id')
      .notNull()
      .references(() => users.id),
    subject: text('subject').notNull(),
    startAt: tstz('start_at').notNull(),
    endAt: tstz('end_at').notNull(),
    state: text('state', { enum: MEETING_STATES }).notNull().default(DEFAULT_MEETING_STATE),
    isPrivate: boolean('is_private').notNull().default(false),
    transcriptReady: boolean('transcript_ready').notNull().default(false),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    completedAt: tstz('completed_at'),
  },
  (t) => [
    // Keyset order for org-wide keys, one per orderBy; id breaks ties.
    index('meetings_org_start_idx').on(t.orgId, t.startAt, t.id),
    index('meetings_org_created_idx').on(t.orgId, t.createdAt, t.id),
    index('meetings_org_completed_idx')
      .on(t.orgId, t.completedAt, t.id)
      .where(sql`${t.completedAt} is not null`),
    // The same orders for "meetings I host".
    index('meetings_host_start_idx').on(t.hostId, t.startAt, t.id),
    index('meetings_host_created_idx').on(t.hostId, t.createdAt, t.id),
    index('meetings_host_completed_idx')
      .on(t.hostId, t.completedAt, t.id)
      .where(sql`${t.completedAt} is not null`),
  ],
);

/**
 * Attendees carry a copy of the meeting's sort keys and private flag so that "meetings I attend"
 * is one index range scan in keyset order, however large the org. start_at and created_at never
 * change; is_private and completed_at are kept in step by the meeting service.
 */
export const meetingAttendees = pgTable(
  'meeting_attendees',
  {
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    userId: uuid('user_id').references(() => users.id),
    meetingIsPrivate: boolean('meeting_is_private').notNull(),
    meetingStartAt: tstz('meeting_start_at').notNull(),
    meetingCreatedAt: tstz('meeting_created_at').notNull(),
    meetingCompletedAt: tstz('meeting_completed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.meetingId, t.position] }),
    index('attendees_user_start_idx')
      .on(t.userId, t.meetingStartAt, t.meetingId)
      .where(sql`${t.userId} is not null`),
    index('attendees_user_created_idx')
      .on(t.userId, t.meetingCreatedAt, t.meetingId)
      .where(sql`${t.userId} is not null`),
    index('attendees_user_completed_idx')
      .on(t.userId, t.meetingCompletedAt, t.meetingId)
      .where(sql`${t.userId} is not null and ${t.meetingCompletedAt} is not null`),
    // Linking a newly added member to meetings that already list their email.
    index('attendees_email_lower_idx').on(sql`lower(${t.email})`),
  ],
);

export interface TranscriptSegment {
  speaker: string;
  startSeconds: number;
  endSeconds: number;
  text: string;
}

export const transcripts = pgTable('transcripts', {
  meetingId: uuid('meeting_id')
    .primaryKey()
    .references(() => meetings.id, { onDelete: 'cascade' }),
  segments: jsonb('segments').$type<TranscriptSegment[]>().notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id),
    name: text('name').notNull(),
    scope: text('scope', { enum: SCOPES }).notNull(),
    issuedToUserId: uuid('issued_to_user_id').references(() => users.id),
    createdByUserId: uuid('created_by_user_id').references(() => users.id),
    clientKey: text('client_key').notNull(),
    // HMAC-SHA-256 of the secret under a key derived from KEYHOLE_SECRET; null once revoked.
    secretHash: bytea('secret_hash'),
    // AES-256-GCM of the secret (iv|tag|ciphertext) so an admin can copy the key again; null once revoked.
    secretCiphertext: bytea('secret_ciphertext'),
    previousSecretHash: bytea('previous_secret_hash'),
    previousSecretValidUntil: tstz('previous_secret_valid_until'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    lastUsedAt: tstz('last_used_at'),
    expiresAt: tstz('expires_at'),
    rateLimitPerMinute: integer('rate_limit_per_minute'),
    revokedAt: tstz('revoked_at'),
    // SPEC §12: set when a secret scanner reported the key; cleared by regenerate, kept on the tombstone.
    leakedAt: tstz('leaked_at'),
    leakedUrl: text('leaked_url'),
    leakedSource: text('leaked_source'),
    // The revoke was the leak report's (actor system), not an admin's: `keys.list`'s `revokedForLeak`.
    revokedForLeak: boolean('revoked_for_leak').notNull().default(false),
  },
  (t) => [
    uniqueIndex('api_keys_client_key_uq').on(t.clientKey),
    index('api_keys_org_idx').on(t.orgId, t.createdAt),
    index('api_keys_issued_to_idx').on(t.issuedToUserId),
    // A leak report may carry the secret alone: found by its HMAC, current or previous, without a scan.
    // Not unique: two imported legacy keys may share a secret under different client keys.
    index('api_keys_secret_hash_idx').on(t.secretHash).where(sql`${t.secretHash} is not null`),
    index('api_keys_previous_secret_hash_idx')
      .on(t.previousSecretHash)
      .where(sql`${t.previousSecretHash} is not null`),
    index('api_keys_revoked_for_leak_idx').on(t.orgId, t.revokedAt).where(sql`${t.revokedForLeak}`),
  ],
);

export const keyUsageDaily = pgTable(
  'key_usage_daily',
  {
    keyId: uuid('key_id')
      .notNull()
      .references(() => apiKeys.id),
    day: date('day', { mode: 'string' }).notNull(),
    // Every call made with the key; the outcomes below are the ones that did not succeed, so
    // succeeded = requests - the three (rows from before outcomes were counted read as succeeded).
    requests: bigint('requests', { mode: 'number' }).notNull().default(0),
    clientErrors: bigint('client_errors', { mode: 'number' }).notNull().default(0),
    rateLimited: bigint('rate_limited', { mode: 'number' }).notNull().default(0),
    serverErrors: bigint('server_errors', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.day] })],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id),
    at: tstz('at').notNull().defaultNow(),
    actorType: text('actor_type', { enum: AUDIT_ACTOR_TYPES }),
    actorId: text('actor_id'),
    actorEmail: text('actor_email'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    targetName: text('target_name'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [
    index('audit_org_at_idx').on(t.orgId, t.at, t.id),
    index('audit_org_action_at_idx').on(t.orgId, t.action, t.at, t.id),
    // "What did this person do": without it a quiet actor in a busy org scans the org's whole log.
    index('audit_org_actor_at_idx').on(t.orgId, t.actorId, t.at, t.id),
  ],
);

/**
 * The answers of mutations sent with an `Idempotency-Key` (SPEC §9 "Database faults"), written in
 * the transaction of the mutation itself, so a committed effect always has its answer here and a
 * rolled-back one never does. `scope` is an HMAC of (caller, procedure, header value) and
 * `input_hash` one of the parsed input, both under a key derived from the root secret: neither the
 * header nor the input is stored. `answer` is the JSON the client got, with a key string replaced by
 * null: `secret_client_key` and `secret_fingerprint` say which key's secret goes back in on a replay,
 * read again from the encrypted store. Rows older than 24 hours are ignored and deleted lazily.
 */
export const idempotencyRecords = pgTable(
  'idempotency_records',
  {
    scope: bytea('scope').primaryKey(),
    procedure: text('procedure').notNull(),
    inputHash: bytea('input_hash').notNull(),
    answer: text('answer').notNull(),
    secretClientKey: text('secret_client_key'),
    secretFingerprint: bytea('secret_fingerprint'),
    createdAt: tstz('created_at').notNull(),
  },
  (t) => [index('idempotency_records_created_idx').on(t.createdAt)],
);

/**
 * Webhook subscriptions (SPEC §11): each belongs to one key and sees what that key may read when a
 * delivery is sent. The signing secret is kept AES-256-GCM encrypted (the subscription id bound as
 * additional data). `consecutive_failures` counts failed attempts since the last success; at 50 the
 * subscription is disabled. Deleted with their key's revocation.
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id),
    keyId: uuid('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    events: jsonb('events').$type<WebhookEvent[]>().notNull(),
    secretCiphertext: bytea('secret_ciphertext').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason', { enum: WEBHOOK_DISABLED_REASONS }),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('webhook_subscriptions_org_idx').on(t.orgId, t.createdAt, t.id),
    index('webhook_subscriptions_key_idx').on(t.keyId, t.createdAt),
  ],
);

/**
 * One meeting change as subscribers hear of it, written in the change's own transaction (the outbox)
 * when at least one enabled subscription of the org wants it. `data` is not stored: a delivery carries
 * the meeting as its key reads it when the delivery is sent.
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id, { onDelete: 'cascade' }),
    type: text('type').$type<WebhookEvent>().notNull(),
    createdAt: tstz('created_at').notNull(),
  },
  (t) => [index('webhook_events_created_idx').on(t.createdAt)],
);

/**
 * One event for one subscription, with the outcome of its last attempt. A job in the queue (pg-boss)
 * carries its id; the row is the truth the worker re-reads. Newest first per subscription for the
 * Developer page; by age for the 30-day retention.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => webhookEvents.id, { onDelete: 'cascade' }),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    responseStatus: integer('response_status'),
    durationMs: integer('duration_ms'),
    // Why the last attempt failed without a status (blocked, timeout, connect…), and the first KiB of the answer.
    error: text('error'),
    responseBody: text('response_body'),
    firstAttemptAt: tstz('first_attempt_at'),
    lastAttemptAt: tstz('last_attempt_at'),
    nextAttemptAt: tstz('next_attempt_at'),
    createdAt: tstz('created_at').notNull(),
  },
  (t) => [
    index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.createdAt, t.id),
    index('webhook_deliveries_event_idx').on(t.eventId),
    index('webhook_deliveries_created_idx').on(t.createdAt),
  ],
);
