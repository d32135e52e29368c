import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { HookRequest } from './zapier-app';

/** A subscription secret shaped as Keyhole makes them (SPEC §11): `whsec_` + base64 of 24+ random bytes. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * How Zapier's hook endpoint names a request header in `bundle.rawRequest.headers`: CGI style, `Http-`
 * in front and each word capitalised (`webhook-signature` → `Http-Webhook-Signature`), as public
 * Zapier integrations read them (`bundle.rawRequest.headers['Http-X-…']`).
 */
function zapierHeaderName(name: string): string {
  const title = name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join('-');
  // CGI names the body's own two headers without the prefix (CONTENT_TYPE, CONTENT_LENGTH).
  return /^content-(type|length)$/i.test(name) ? title : `Http-${title}`;
}

/** One request that reached the Zap's hook URL: the body exactly as sent, and its headers. */
export interface ReceivedRequest {
  body: string;
  headers: Record<string, string>;
}

function parsedOrText(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** What Zapier hands `perform` for that request: the raw text and headers, and the body as parsed JSON (the text when it is none). */
export function hookRequest({ body, headers }: ReceivedRequest): HookRequest {
  return {
    rawRequest: {
      method: 'POST',
      querystring: '',
      headers: Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [zapierHeaderName(name), value]),
      ),
      content: body,
    },
    cleanedRequest: parsedOrText(body),
  };
}

/**
 * A delivery signed by the reference implementation (the `standardwebhooks` package), with the three
 * Standard Webhooks headers as a sender puts them on the wire.
 */
export function signedDelivery(
  secret: string,
  payload: unknown,
  opts: { id?: string; at?: Date; body?: string } = {},
): ReceivedRequest {
  const id = opts.id ?? `msg_${randomUUID()}`;
  const at = opts.at ?? new Date();
  const body = opts.body ?? JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    },
  };
}
