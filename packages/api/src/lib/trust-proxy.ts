import { BlockList, isIP } from 'node:net';

/**
 * Which proxies in front of the server are trusted to say where a request came from (SPEC §9
 * "Proxies"): none, the nearest N hops, or the addresses inside a list of CIDRs.
 */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'hops'; hops: number }
  | { kind: 'cidrs'; cidrs: string[]; list: BlockList };

export const TRUST_PROXY_FORMS =
  'use false (the default: X-Forwarded-For is ignored), a number of trusted proxy hops (1, 2, …), or a comma-separated list of trusted proxy CIDRs (e.g. 10.0.0.0/8,fd00::/8)';

export class TrustProxyError extends Error {}

/** `::ffff:10.0.0.1` is 10.0.0.1, `[::1]:443` and `10.0.0.1:443` are their address; else as given. */
export function normaliseAddress(raw: string): string {
  let a = raw.trim();
  const bracketed = a.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  const mapped = a.match(/^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i);
  if (mapped) a = mapped[1]!;
  return isIP(a) === 6 ? a.toLowerCase() : a;
}

export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = (value ?? 'false').trim();
  if (/^(false|0|off|no)$/i.test(v)) return { kind: 'none' };
  if (/^(true|on|yes)$/i.test(v)) {
    throw new TrustProxyError(
      `"${v}" would trust whatever address a client writes into X-Forwarded-For: ${TRUST_PROXY_FORMS}`,
    );
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 100) throw new TrustProxyError(`${hops} hops is not plausible: ${TRUST_PROXY_FORMS}`);
    return { kind: 'hops', hops };
  }
  const list = new BlockList();
  const cidrs: string[] = [];
  for (const part of v.split(',')) {
    const entry = part.trim();
    const m = entry.match(/^([^/]+)(?:\/(\d{1,3}))?$/);
    const address = m ? normaliseAddress(m[1]!) : '';
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefix = m?.[2] === undefined ? max : Number(m[2]);
    if (!m || family === 0 || prefix > max) {
      throw new TrustProxyError(`"${entry}" is not an IP address or CIDR: ${TRUST_PROXY_FORMS}`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    cidrs.push(`${address}/${prefix}`);
  }
  return { kind: 'cidrs', cidrs, list };
}

function isTrusted(trust: TrustProxy, address: string): boolean {
  if (trust.kind !== 'cidrs') return false;
  const family = isIP(address);
  if (family === 0) return false;
  return trust.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const listOf = (header: string | string[] | undefined): string[] =>
  (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * The client address and the scheme it used. The chain is the X-Forwarded-For addresses followed by
 * the socket peer; walking it from the right, trusted proxies are skipped (the nearest N hops, or
 * addresses inside the CIDRs) and the first address that is not trusted is the client. Everything
 * left of it was written by the client itself and is never read. X-Forwarded-Proto is read from the
 * same hop: its entries line up with X-Forwarded-For's from the right (each proxy appends one to
 * each); a proxy that writes a single value instead gives that value.
 */
export function forwardedClient(
  trust: TrustProxy,
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  forwardedProto: string | string[] | undefined,
): { ip: string; proto: string | null } {
  const socketAddress = peer ? normaliseAddress(peer) : 'unknown';
  if (trust.kind === 'none') return { ip: socketAddress, proto: null };
  const chain = [...listOf(forwardedFor).map(normaliseAddress), socketAddress];
  let index = chain.length - 1;
  if (trust.kind === 'hops') {
    index = Math.max(0, chain.length - 1 - trust.hops);
  } else {
    while (index > 0 && isTrusted(trust, chain[index]!)) index--;
  }
  if (index === chain.length - 1) return { ip: socketAddress, proto: null };
  const fromRight = chain.length - 2 - index;
  const protos = listOf(forwardedProto);
  const proto = protos[protos.length - 1 - fromRight] ?? protos[0] ?? null;
  return { ip: chain[index]!, proto: proto?.toLowerCase() ?? null };
}
