import type { DeliveryStatus, WebhookDisabledReason } from '@keyhole/core';

/** How a subscription's state reads: "Enabled", or why it is off, in words (SPEC §11). */
const DISABLED_TEXT: Record<WebhookDisabledReason, string> = {
  failures: 'Disabled after repeated failed deliveries',
  admin: 'Disabled by an admin',
  key_leaked: 'Disabled: the key was reported leaked',
};

export interface WebhookStatus {
  tone: 'ok' | 'off';
  text: string;
}

export function webhookStatus(sub: {
  enabled: boolean;
  disabledReason: WebhookDisabledReason | null;
}): WebhookStatus {
  if (sub.enabled) return { tone: 'ok', text: 'Enabled' };
  // A disabled row always carries a reason; should one ever lack it, "Disabled" is still true.
  return { tone: 'off', text: sub.disabledReason ? DISABLED_TEXT[sub.disabledReason] : 'Disabled' };
}

const DELIVERY_TEXT: Record<DeliveryStatus, string> = {
  pending: 'Retrying',
  succeeded: 'Delivered',
  failed: 'Failed',
};

/** A delivery's status word; a pending one that has not been tried yet is "Pending", not "Retrying". */
export function deliveryStatusText(d: { status: DeliveryStatus; attempts: number }): string {
  if (d.status === 'pending' && d.attempts === 0) return 'Pending';
  return DELIVERY_TEXT[d.status];
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', Number.POSITIVE_INFINITY],
];

/** "in 30 seconds", "in 2 hours", "5 minutes ago": when the next retry comes, next to its absolute time. */
export function relativeTime(iso: string, now: Date): string {
  let value = (new Date(iso).getTime() - now.getTime()) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), 'day');
}

/** "120 ms", "1.4 s"; nothing measured (never connected) is a dash. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** What the details cell shows: why the attempt failed and the start of the receiver's answer. */
export function deliveryDetails(d: { error: string | null; responseBody: string | null }): string | null {
  const parts = [d.error ? `Error: ${d.error}` : null, d.responseBody ? `Response: ${d.responseBody}` : null];
  const text = parts.filter(Boolean).join('\n');
  return text || null;
}
