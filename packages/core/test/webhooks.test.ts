import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { afterFailedAttempt, meetingEventsFor, WEBHOOK_LIMITS, webhookRetryDelayMs } from '../src/webhooks';

describe('webhook retry schedule (SPEC §11)', () => {
  it('the first retry comes within 30 s, whatever the jitter', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (r) => {
        const d = webhookRetryDelayMs(1, r);
        return d >= 10_000 && d <= 30_000;
      }),
    );
  });

  it('delays grow exponentially, with jitter, up to one hour', () => {
    expect([1, 2, 3, 4].map((n) => webhookRetryDelayMs(n, 1))).toEqual([20_000, 40_000, 80_000, 160_000]);
    expect(webhookRetryDelayMs(4, 0)).toBe(80_000);
    expect(webhookRetryDelayMs(50, 1)).toBe(WEBHOOK_LIMITS.maxRetryDelayMs);
    expect(webhookRetryDelayMs(1_000, 0.5)).toBe(WEBHOOK_LIMITS.maxRetryDelayMs * 0.75);
  });

  it('retries for at least 24 h after the first attempt, then gives up, whatever the jitter', () => {
    for (const random of [0, 0.5, 1]) {
      const first = new Date('2026-01-01T00:00:00Z');
      let now = first;
      let failed = 0;
      for (;;) {
        failed++;
        const next = afterFailedAttempt({
          failedAttempts: failed,
          firstAttemptAt: first,
          now,
          random,
          retryAfterSeconds: null,
        });
        if (next.kind === 'give_up') break;
        now = next.retryAt;
      }
      const spanMs = now.getTime() - first.getTime();
      expect(spanMs).toBeGreaterThanOrEqual(WEBHOOK_LIMITS.retryForMs);
      expect(spanMs).toBeLessThan(WEBHOOK_LIMITS.retryForMs + WEBHOOK_LIMITS.maxRetryDelayMs);
      expect(failed, `attempts with jitter ${random}`).toBeGreaterThan(20);
    }
  });

  it("a receiver's Retry-After is honoured, up to an hour", () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (s: number | null) =>
      afterFailedAttempt({ failedAttempts: 1, firstAttemptAt: now, now, random: 0, retryAfterSeconds: s });
    expect(at(120)).toEqual({ kind: 'retry', retryAt: new Date(now.getTime() + 120_000) });
    expect(at(1)).toEqual({ kind: 'retry', retryAt: new Date(now.getTime() + 10_000) });
    expect(at(10 * 86_400)).toEqual({ kind: 'retry', retryAt: new Date(now.getTime() + 3_600_000) });
  });

  it('events of a change', () => {
    expect(meetingEventsFor({ created: true, completedNow: false })).toEqual(['meeting.created']);
    expect(meetingEventsFor({ created: true, completedNow: true })).toEqual([
      'meeting.created',
      'meeting.completed',
    ]);
    expect(meetingEventsFor({ created: false, completedNow: false })).toEqual(['meeting.updated']);
    expect(meetingEventsFor({ created: false, completedNow: true })).toEqual([
      'meeting.updated',
      'meeting.completed',
    ]);
  });
});
