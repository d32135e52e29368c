import { promises as dns } from 'node:dns';

/** Where webhooks may go: the shape of `config.webhooks` (packages/api/src/env.ts, SPEC §11). */
export interface OutboundPolicy {
  /** `http://` destinations allowed (dev and tests); else `https://` only. */
  allowHttp: boolean;
  /** Loopback, private, link-local, multicast and reserved destinations allowed (dev and tests). */
  allowPrivate: boolean;
  /** When set, the only destination hosts: lower-cased, IPv6 without brackets. */
  allowedHosts: string[] | null;
}

/** Every address a host name resolves to. Injected by tests, so no test ever asks real DNS. */
export type Lookup = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address, in the resolver's order. */
export const systemLookup: Lookup = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};
