import type { Bundle } from 'zapier-platform-core';
import type { Meeting, WebhookEvent, WebhookPayload } from './keyhole-types.js';
import { type SignatureHeaders, verifySignature } from './webhook-signature.js';

/** What performSubscribe hands Zapier to keep (`bundle.subscribeData`): what perform and unsubscribe need. */
export interface SubscribeData {
  id: string;
  secret: string;
}

/**
 * A request header of the delivery as Zapier passes it on in `bundle.rawRequest.headers`: Zapier's
 * hook endpoint renames every header CGI-style, `Http-` in front and Title-Case
 * (`webhook-signature` → `Http-Webhook-Signature`). Looked up without regard to case, with or without
 * the prefix, so a different spelling (or a test sending the headers as they left Keyhole) still reads.
 */
function header(headers: Record<string, unknown>, name: string): string | undefined {
  const wanted = new Set([name, `http-${name}`]);
  for (const [key, value] of Object.entries(headers)) {
    if (!wanted.has(key.toLowerCase())) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(' ');
  }
  return undefined;
}

function signatureHeaders(headers: Record<string, unknown>): SignatureHeaders {
  return {
    id: header(headers, 'webhook-id'),
    timestamp: header(headers, 'webhook-timestamp'),
    signature: header(headers, 'webhook-signature'),
  };
}

const isMeetingLike = (value: unknown): value is Meeting =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { id?: unknown }).id === 'string' &&
  typeof (value as { createdAt?: unknown }).createdAt === 'string';

/**
 * The meeting of one delivery to a hook trigger, or null when the delivery must be dropped: not signed
 * with this subscription's secret (forged, altered, or meant for another Zap), not the trigger's event,
 * or not a meeting. The parsed payload is the one whose raw bytes were verified, never Zapier's
 * `cleanedRequest`, which could differ from what was signed.
 */
export function verifiedMeeting(bundle: Bundle, event: WebhookEvent): Meeting | null {
  const secret = (bundle.subscribeData as Partial<SubscribeData> | undefined)?.secret;
  const raw = bundle.rawRequest;
  if (typeof secret !== 'string' || typeof raw?.content !== 'string') return null;
  const headers = (raw.headers ?? {}) as Record<string, unknown>;
  if (!verifySignature(secret, signatureHeaders(headers), raw.content)) return null;
  let payload: Partial<WebhookPayload>;
  try {
    payload = JSON.parse(raw.content) as Partial<WebhookPayload>;
  } catch {
    return null;
  }
  if (payload?.type !== event || !isMeetingLike(payload.data)) return null;
  // The subscription's key is a User – limited access key: a private meeting never reaches a Zap.
  if (payload.data.isPrivate) return null;
  return payload.data;
}
