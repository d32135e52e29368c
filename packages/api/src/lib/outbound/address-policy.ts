import { BlockList, isIP } from 'node:net';

/**
 * IPv4 ranges that are not globally reachable (IANA special-purpose registry, RFC 6890 and later),
 * so a webhook must never be delivered there: the server's own network, its cloud metadata service,
 * addresses that cannot be a receiver at all.
 */
const IPV4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 (cloud metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. 255.255.255.255 (broadcast)
];

/**
 * IPv6 forms that carry an IPv4 address in their last 32 bits and reach (or are treated as) that
 * IPv4 address: such an address is public only when the IPv4 address inside is.
 */
const IPV4_CARRIERS = ['::ffff:0.0.0.0', '64:ff9b::0.0.0.0']; // mapped; NAT64 well-known prefix

/** IPv6 ranges refused outright, even inside 2000::/3 (global unicast). */
const IPV6_BLOCKED: [string, number][] = [
  ['::', 96], // unspecified, loopback, deprecated IPv4-compatible (::a.b.c.d)
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT), not routed
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: tunnels to an embedded IPv4 address; deprecated
  ['3fff::', 20], // documentation
  ['5f00::', 16], // SRv6 SIDs
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [net, prefix] of IPV4_BLOCKED) {
  blocked.addSubnet(net, prefix, 'ipv4');
  for (const carrier of IPV4_CARRIERS) {
    blocked.addSubnet(carrier.replace('0.0.0.0', net), 96 + prefix, 'ipv6');
  }
}
for (const [net, prefix] of IPV6_BLOCKED) blocked.addSubnet(net, prefix, 'ipv6');

/** Where a public IPv6 address can be: global unicast, or an IPv4 carrier (whose inside was checked above). */
const ipv6Reachable = new BlockList();
ipv6Reachable.addSubnet('2000::', 3, 'ipv6');
for (const carrier of IPV4_CARRIERS) ipv6Reachable.addSubnet(carrier, 96, 'ipv6');

/**
 * True only for an IP address a webhook may be delivered to: globally reachable unicast. Anything
 * else (loopback, private, link-local, multicast, reserved, documentation, and the IPv6 forms that
 * embed such an IPv4 address) is false, as is input that is not an IP address. A zone index
 * (`fe80::1%eth0`) names a local interface, so it is false too.
 */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0 || ip.includes('%')) return false;
  if (family === 4) return !blocked.check(ip, 'ipv4');
  return ipv6Reachable.check(ip, 'ipv6') && !blocked.check(ip, 'ipv6');
}
