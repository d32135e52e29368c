import { describe, expect, it } from 'vitest';
import {
  deliveryDetails,
  deliveryStatusText,
  formatMs,
  relativeTime,
  webhookStatus,
} from '../src/pages/developer/webhook-status';

describe('webhookStatus', () => {
  it('reads Enabled for a working subscription', () => {
    expect(webhookStatus({ enabled: true, disabledReason: null })).toEqual({ tone: 'ok', text: 'Enabled' });
  });

  it('says why a subscription is off, in words', () => {
    expect(webhookStatus({ enabled: false, disabledReason: 'failures' }).text).toBe(
      'Disabled after repeated failed deliveries',
    );
    expect(webhookStatus({ enabled: false, disabledReason: 'admin' }).text).toBe('Disabled by an admin');
    expect(webhookStatus({ enabled: false, disabledReason: 'key_leaked' }).text).toBe(
      'Disabled: the key was reported leaked',
    );
    expect(webhookStatus({ enabled: false, disabledReason: null })).toEqual({
      tone: 'off',
      text: 'Disabled',
    });
  });
});

describe('deliveryStatusText', () => {
  it('tells a first try from a retry, and names the end states', () => {
    expect(deliveryStatusText({ status: 'pending', attempts: 0 })).toBe('Pending');
    expect(deliveryStatusText({ status: 'pending', attempts: 2 })).toBe('Retrying');
    expect(deliveryStatusText({ status: 'succeeded', attempts: 1 })).toBe('Delivered');
    expect(deliveryStatusText({ status: 'failed', attempts: 50 })).toBe('Failed');
  });
});

describe('relativeTime', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  it('picks the largest unit that fits, future and past', () => {
    expect(relativeTime('2026-03-01T12:00:30Z', now)).toBe('in 30 seconds');
    expect(relativeTime('2026-03-01T12:05:00Z', now)).toBe('in 5 minutes');
    expect(relativeTime('2026-03-01T14:00:00Z', now)).toBe('in 2 hours');
    expect(relativeTime('2026-03-03T12:00:00Z', now)).toBe('in 2 days');
    expect(relativeTime('2026-03-01T11:59:00Z', now)).toBe('1 minute ago');
    expect(relativeTime('2026-03-01T12:00:00Z', now)).toBe('now');
  });
});

describe('formatMs', () => {
  it('shows milliseconds, seconds past one, and a dash when nothing was measured', () => {
    expect(formatMs(120)).toBe('120 ms');
    expect(formatMs(1430)).toBe('1.4 s');
    expect(formatMs(null)).toBe('—');
  });
});

describe('deliveryDetails', () => {
  it('joins the error and the response excerpt, or says there is nothing', () => {
    expect(deliveryDetails({ error: null, responseBody: null })).toBeNull();
    expect(deliveryDetails({ error: 'timeout', responseBody: null })).toBe('Error: timeout');
    expect(deliveryDetails({ error: null, responseBody: 'oops' })).toBe('Response: oops');
    expect(deliveryDetails({ error: 'blocked', responseBody: 'x' })).toBe('Error: blocked\nResponse: x');
  });
});
