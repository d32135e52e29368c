import { isIP } from 'node:net';
import { isPublicAddress } from './address-policy';
import { type Lookup, type OutboundPolicy, systemLookup } from './outbound-policy';

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

export const MAX_WEBHOOK_URL_LENGTH = 2000;

/** How long a subscribe waits for DNS: getaddrinfo alone may take far longer on a broken resolver. */
const SUBSCRIBE_LOOKUP_TIMEOUT_MS = 5000;

const refuse = (message: string): WebhookUrlCheck => ({ ok: false, message });

/** The URL's host as allowedHosts spells it: lower-cased (URL already does), IPv6 without brackets. */
export const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

const notPublic = (host: string, address: string): string =>
  address === host
    ? `${host} is not a public address; only public addresses can receive webhooks.`
    : `${host} resolves to a private address (${address}); only public addresses can receive webhooks.`;

/**
 * Everything about a webhook URL that needs no DNS: checked at subscribe time and again before each
 * delivery (the policy may have changed since). Messages are for the user and name at most the host:
 * the rest of a URL may hold a token.
 */
export function checkWebhookUrlShape(raw: string, policy: OutboundPolicy): WebhookUrlCheck {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    return refuse(`Webhook URLs must be at most ${MAX_WEBHOOK_URL_LENGTH} characters long.`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('That is not a valid URL.');
  }
  if (!(url.protocol === 'https:' || (policy.allowHttp && url.protocol === 'http:'))) {
    return refuse(policy.allowHttp ? 'Webhook URLs must use https or http.' : 'Webhook URLs must use https.');
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('Webhook URLs must not contain a user name or password.');
  }
  // The parser drops an empty fragment (`…/#`), so the raw text is what tells.
  if (raw.includes('#')) return refuse('Webhook URLs must not contain a fragment (#…).');
  const host = bareHost(url);
  if (host === '') return refuse('Webhook URLs must name a host.');
  if (url.port === '0') return refuse('Webhook URLs must not use port 0.');
  if (policy.allowedHosts !== null && !policy.allowedHosts.includes(host)) {
    return refuse(`${host} is not among the hosts this server delivers webhooks to.`);
  }
  if (isIP(host) !== 0 && !policy.allowPrivate && !isPublicAddress(host)) {
    return refuse(notPublic(host, host));
  }
  return { ok: true, url };
}

/** The first resolved address that may not receive webhooks, if any. */
export function firstNonPublic(addresses: { address: string }[]): string | undefined {
  return addresses.find((a) => !isPublicAddress(a.address))?.address;
}

/**
 * The subscribe-time check (SPEC §11 "Outbound safety"): the shape, then a host name must resolve,
 * and every address it resolves to must be public (unless allowPrivate). Delivery checks the addresses again when it connects
 * (postWebhook), since DNS may answer differently by then.
 */
export async function checkWebhookUrl(
  raw: string,
  policy: OutboundPolicy,
  lookup: Lookup = systemLookup,
): Promise<WebhookUrlCheck> {
  const shape = checkWebhookUrlShape(raw, policy);
  if (!shape.ok) return shape;
  const host = bareHost(shape.url);
  if (isIP(host) !== 0) return shape;
  let timer: NodeJS.Timeout | undefined;
  const addresses = await Promise.race([
    Promise.resolve()
      .then(() => lookup(host))
      .catch(() => []),
    new Promise<[]>((resolve) => {
      timer = setTimeout(() => resolve([]), SUBSCRIBE_LOOKUP_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (addresses.length === 0) return refuse(`${host} does not resolve to an address.`);
  const bad = policy.allowPrivate ? undefined : firstNonPublic(addresses);
  return bad === undefined ? shape : refuse(notPublic(host, bad));
}
