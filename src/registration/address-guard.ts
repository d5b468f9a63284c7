/**
 * SSRF guard for URLs a stranger hands us (Dynamic Registration's `openid_configuration` and the
 * endpoints inside the configuration it points to). Outside dev mode a URL must use https and its
 * host must resolve only to public addresses: every address `dns.lookup` returns is checked, so a
 * name with one public and one private record is refused.
 *
 * Residual risk (documented, not closed here): the HTTP client resolves the name again when it
 * connects, so a DNS answer that changes between the check and the request (rebinding) is not
 * caught; the outbound client never follows redirects, which closes the redirect variant.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { err, ok, type Result } from '../shared/result.js';
import { checkPlatformUrl } from './url-policy.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address (injected in tests). */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: HostResolver = (hostname) =>
  lookup(hostname, { all: true, verbatim: true });

/** IANA special-purpose ranges that are not globally reachable (RFC 6890 and successors). */
const IPV4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const IPV6_BLOCKED: readonly [string, number][] = [
  ['::', 96], // unspecified, loopback, IPv4-compatible (deprecated)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds arbitrary IPv4 addresses)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [network, prefix] of IPV4_BLOCKED) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of IPV6_BLOCKED) blocked.addSubnet(network, prefix, 'ipv6');

/** The 8 groups of an IPv6 address as numbers (handles `::` and a dotted IPv4 tail). */
function ipv6Groups(address: string): number[] | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  let text = bare;
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** The IPv4 address an IPv6 address carries in its last 32 bits, for mapped and NAT64 forms. */
function embeddedIpv4(groups: readonly number[]): string | undefined {
  const prefix = groups.slice(0, 6);
  const mapped = prefix.slice(0, 5).every((g) => g === 0) && prefix[5] === 0xffff;
  const nat64 = prefix[0] === 0x64 && prefix[1] === 0xff9b && prefix.slice(2).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  const hi = groups[6] ?? 0;
  const lo = groups[7] ?? 0;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

/** True only for a globally reachable unicast address. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !blocked.check(address, 'ipv4');
  const bare = address.replace(/^\[|\]$/g, '');
  if (!isIPv6(bare)) return false;
  const groups = ipv6Groups(bare);
  if (groups === undefined) return false;
  const v4 = embeddedIpv4(groups);
  if (v4 !== undefined) return isPublicAddress(v4);
  return !blocked.check(bare, 'ipv6');
}

export type UrlRefusal =
  | { readonly reason: 'invalid'; readonly detail: string }
  | { readonly reason: 'unresolvable'; readonly detail: string }
  | { readonly reason: 'private-address'; readonly detail: string };

export interface OutboundUrlPolicy {
  readonly devMode: boolean;
  readonly resolve: HostResolver;
}

/**
 * Checks a URL before any request is sent to it. Dev mode: the usual platform URL rules only
 * (http for this machine allowed, private addresses allowed: the simulator runs locally).
 */
export async function checkOutboundUrl(
  raw: string,
  policy: OutboundUrlPolicy,
): Promise<Result<URL, UrlRefusal>> {
  const problem = checkPlatformUrl(raw, 'endpoint', { devMode: policy.devMode });
  if (problem !== undefined) return err({ reason: 'invalid', detail: problem.problem });
  const url = new URL(raw);
  if (policy.devMode) return ok(url);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await policy.resolve(hostname);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return err({
      reason: 'unresolvable',
      detail: `${hostname} could not be resolved${typeof code === 'string' ? ` (${code})` : ''}`,
    });
  }
  if (addresses.length === 0) {
    return err({ reason: 'unresolvable', detail: `${hostname} has no addresses` });
  }
  const internal = addresses.filter((a) => !isPublicAddress(a.address));
  if (internal.length > 0) {
    return err({
      reason: 'private-address',
      detail: `${hostname} resolves to a private, loopback or link-local address (${internal.map((a) => a.address).join(', ')})`,
    });
  }
  return ok(url);
}
