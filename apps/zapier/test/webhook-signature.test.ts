import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { type SignatureHeaders, verifySignature } from '../src/webhook-signature.js';
import { newSecret, signedDelivery } from './support/hook-request';

/**
 * The app's own Standard Webhooks verifier (node:crypto, no package at run time) against the reference
 * implementation: what `standardwebhooks` signs verifies; any change to what was signed does not.
 */
const payload = {
  type: 'meeting.created',
  timestamp: '2026-02-02T09:00:00.000Z',
  data: { id: '6f1c2b7e-3d4a-4c8e-9b1f-2a7d5e0c9b34', subject: 'Pipeline review – Q1 ✓' },
};

const asHeaders = (headers: Record<string, string>): SignatureHeaders => ({
  id: headers['webhook-id'],
  timestamp: headers['webhook-timestamp'],
  signature: headers['webhook-signature'],
});

describe('verifySignature', () => {
  it('accepts what standardwebhooks signs, and so does standardwebhooks’ own verify', () => {
    const secret = newSecret();
    for (let i = 0; i < 20; i++) {
      const { body, headers } = signedDelivery(secret, { ...payload, n: i, pad: 'x'.repeat(i * 37) });
      expect(verifySignature(secret, asHeaders(headers), body)).toBe(true);
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    }
  });

  it('accepts a body with non-ASCII text, signed over its UTF-8 bytes', () => {
    const secret = newSecret();
    const { body, headers } = signedDelivery(secret, { ...payload, data: { subject: 'Réunion 会议 🎉' } });
    expect(verifySignature(secret, asHeaders(headers), body)).toBe(true);
  });

  it('accepts an old timestamp (Zapier replays deliveries), which standardwebhooks itself would refuse', () => {
    const secret = newSecret();
    const { body, headers } = signedDelivery(secret, payload, { at: new Date('2020-01-01T00:00:00Z') });
    expect(headers['webhook-timestamp']).toBe('1577836800');
    expect(verifySignature(secret, asHeaders(headers), body)).toBe(true);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/too old/);
  });

  it('refuses a changed body, id, timestamp or secret', () => {
    const secret = newSecret();
    const { body, headers } = signedDelivery(secret, payload);
    const h = asHeaders(headers);
    expect(verifySignature(secret, h, body.replace('Pipeline', 'Pipelinf'))).toBe(false);
    expect(verifySignature(secret, h, `${body} `)).toBe(false);
    expect(verifySignature(secret, h, JSON.stringify(JSON.parse(body), null, 2))).toBe(false);
    expect(verifySignature(secret, { ...h, id: `${h.id}x` }, body)).toBe(false);
    expect(verifySignature(secret, { ...h, timestamp: String(Number(h.timestamp) + 1) }, body)).toBe(false);
    expect(verifySignature(newSecret(), h, body)).toBe(false);
  });

  it('refuses when a header is missing or empty', () => {
    const secret = newSecret();
    const { body, headers } = signedDelivery(secret, payload);
    const h = asHeaders(headers);
    for (const field of ['id', 'timestamp', 'signature'] as const) {
      expect(verifySignature(secret, { ...h, [field]: undefined }, body)).toBe(false);
      expect(verifySignature(secret, { ...h, [field]: '' }, body)).toBe(false);
    }
  });

  it('accepts one valid signature among several (space-separated), and refuses when none is', () => {
    const secret = newSecret();
    const other = newSecret();
    const { body, headers } = signedDelivery(secret, payload, {
      id: 'msg_1',
      at: new Date(1_790_000_000_000),
    });
    const valid = headers['webhook-signature']!;
    const wrong = new Webhook(other).sign('msg_1', new Date(1_790_000_000_000), body);
    const h = asHeaders(headers);
    expect(verifySignature(secret, { ...h, signature: `${wrong} ${valid}` }, body)).toBe(true);
    expect(verifySignature(secret, { ...h, signature: `${valid} ${wrong}` }, body)).toBe(true);
    expect(verifySignature(secret, { ...h, signature: `v1,bm90LXRoaXM= ${wrong}` }, body)).toBe(false);
  });

  it('refuses the right digest under another version or in another shape', () => {
    const secret = newSecret();
    const { body, headers } = signedDelivery(secret, payload);
    const h = asHeaders(headers);
    const digest = h.signature!.slice('v1,'.length);
    for (const signature of [`v2,${digest}`, digest, `v1a,${digest}`, `v1,${digest.slice(0, -4)}`, 'v1,']) {
      expect(verifySignature(secret, { ...h, signature }, body)).toBe(false);
    }
    expect(verifySignature(secret, { ...h, timestamp: `${h.timestamp}.0` }, body)).toBe(false);
  });

  it('never throws on a secret that is not one: it verifies nothing', () => {
    const { body, headers } = signedDelivery(newSecret(), payload);
    for (const secret of ['', 'whsec_', 'whsec_***not base64***', 'whsec_===']) {
      expect(verifySignature(secret, asHeaders(headers), body)).toBe(false);
    }
  });

  it('accepts a secret without its whsec_ prefix, as standardwebhooks does', () => {
    const secret = newSecret();
    const { body, headers } = signedDelivery(secret, payload);
    expect(verifySignature(secret.slice('whsec_'.length), asHeaders(headers), body)).toBe(true);
  });
});
