/**
 * Webhooks (SPEC §11): the event names, the bounds of a subscription, and the retry schedule. Pure
 * rules; who may read the meeting an event is about is the access rule (access.ts), decided again
 * when each delivery is sent.
 */

export const WEBHOOK_EVENTS = ['meeting.created', 'meeting.updated', 'meeting.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_DISABLED_REASONS = ['failures', 'admin', 'key_leaked'] as const;
export type WebhookDisabledReason = (typeof WEBHOOK_DISABLED_REASONS)[number];

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const WEBHOOK_LIMITS = {
  subscriptionsPerKey: 25,
  urlMaxLength: 2000,
  /** A subscription whose last 50 attempts all failed is disabled. */
  consecutiveFailuresToDisable: 50,
  /** A delivery is retried for at least this long after its first attempt, then given up. */
  retryForMs: 24 * 60 * 60 * 1000,
  /** The first retry comes within 30 s: the first delay is drawn from [base/2, base]. */
  firstRetryMs: 20_000,
  /** Later delays double up to this (one hour), so a day of retries is about 30 attempts. */
  maxRetryDelayMs: 60 * 60 * 1000,
  /** Deliveries (and their events) older than this are deleted. */
  keepDeliveriesMs: 30 * 24 * 60 * 60 * 1000,
  /** An answer's `Retry-After` is followed up to this long. */
  maxRetryAfterMs: 60 * 60 * 1000,
} as const;

export function isWebhookEvent(value: unknown): value is WebhookEvent {
  return typeof value === 'string' && (WEBHOOK_EVENTS as readonly string[]).includes(value);
}

/**
 * The events one meeting change raises: `meeting.created` for a new meeting, `meeting.updated` for
 * any change of an existing one, and `meeting.completed` (beside either) the first time `completedAt`
 * is set.
 */
export function meetingEventsFor(change: { created: boolean; completedNow: boolean }): WebhookEvent[] {
  const events: WebhookEvent[] = [change.created ? 'meeting.created' : 'meeting.updated'];
  if (change.completedNow) events.push('meeting.completed');
  return events;
}

/**
 * The wait before retry number `failedAttempts` (1 after the first failure): exponential from
 * `firstRetryMs`, capped at `maxRetryDelayMs`, with "equal jitter" (half fixed, half drawn from
 * `random()` in [0, 1)) so that receivers coming back are not hit by every sender at once.
 */
export function webhookRetryDelayMs(failedAttempts: number, random: number): number {
  const exponent = Math.min(Math.max(failedAttempts, 1) - 1, 30);
  const ceiling = Math.min(WEBHOOK_LIMITS.firstRetryMs * 2 ** exponent, WEBHOOK_LIMITS.maxRetryDelayMs);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}

/** What a failed attempt leads to: another try at `retryAt`, or giving the delivery up. */
export function afterFailedAttempt(input: {
  failedAttempts: number;
  firstAttemptAt: Date;
  now: Date;
  random: number;
  /** The receiver's `Retry-After`, in seconds, when it sent one (429, 503). */
  retryAfterSeconds: number | null;
}): { kind: 'retry'; retryAt: Date } | { kind: 'give_up' } {
  if (input.now.getTime() - input.firstAttemptAt.getTime() >= WEBHOOK_LIMITS.retryForMs) {
    return { kind: 'give_up' };
  }
  let delay = webhookRetryDelayMs(input.failedAttempts, input.random);
  if (input.retryAfterSeconds !== null) {
    delay = Math.max(delay, Math.min(input.retryAfterSeconds * 1000, WEBHOOK_LIMITS.maxRetryAfterMs));
  }
  return { kind: 'retry', retryAt: new Date(input.now.getTime() + delay) };
}
