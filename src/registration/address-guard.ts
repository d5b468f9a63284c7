/**
 * SSRF guard for URLs a stranger hands us (Dynamic Registration's `openid_configuration` and the
 * endpoints inside the configuration it points to). Outside dev mode a URL must use https and its
 * host must resolve only to public addresses: every address `dns.lookup` returns is checked, so a
 * name with one public and one private record is refused. An IP literal is judged as written,
 * after WHATWG URL parsing (the same parsing fetch uses), never through DNS.
 *
 * Residual risk (documented, not closed here): the HTTP client resolves the name again when it
 * connects, so a DNS answer that changes between the check and the request (rebinding) is not
 * caught; the outbound client never follows redirects, which closes the redirect variant.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';
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

/**
 * IPv4 ranges that are not globally reachable (IANA IPv4 Special-Purpose Address Registry,
 * RFC 6890 and successors). WHATWG URL parsing has already turned decimal, octal, hex and
 * shortened forms (https://2130706433/, https://0x7f.1/, https://0177.0.0.1/, https://127.1/)
 * into dotted quads before a host reaches this check.
 */
const IPV4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", including the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT (shared address space)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 (limited broadcast)
];

/**
 * IPv6 outside these is refused unless it lies in 2000::/3, the only block IANA allocates
 * global unicast from: that alone excludes the unspecified (::), loopback (::1), IPv4-compatible
 * (::/96), IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), discard (100::/64),
 * unique-local (fc00::/7), link-local (fe80::/10), site-local (fec0::/10) and multicast
 * (ff00::/8), whatever new range is carved out of the unallocated space later. The forms that
 * carry an IPv4 address are judged by that address instead (see embeddedIpv4).
 */
const IPV6_GLOBAL_UNICAST: readonly [string, number] = ['2000::', 3];

/** Special-purpose blocks inside 2000::/3 (IANA IPv6 Special-Purpose Address Registry). */
const IPV6_BLOCKED: readonly [string, number][] = [
  ['2001::', 23], // IETF protocol assignments: Teredo (embeds an IPv4), benchmarking, ORCHID…
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address; deprecated (RFC 7526), refused whatever it embeds
  ['3fff::', 20], // documentation (RFC 9637)
];

const blocked = new BlockList();
for (const [network, prefix] of IPV4_BLOCKED) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of IPV6_BLOCKED) blocked.addSubnet(network, prefix, 'ipv6');
const globalUnicast = new BlockList();
globalUnicast.addSubnet(IPV6_GLOBAL_UNICAST[0], IPV6_GLOBAL_UNICAST[1], 'ipv6');

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

const dottedQuad = (hi: number, lo: number): string =>
  [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');

/**
 * The IPv4 address an IPv6 address stands for, when it is one of the forms that reach an IPv4
 * host: IPv4-mapped ::ffff:a.b.c.d (::ffff:0:0/96), IPv4-translated ::ffff:0:a.b.c.d
 * (::ffff:0:0:0/96, RFC 2765) and NAT64 64:ff9b::a.b.c.d (64:ff9b::/96, RFC 6052), all in the
 * last 32 bits. A socket given a mapped address talks to the IPv4 host, and a NAT64 gateway
 * forwards to it, so the IPv4 rules decide. (IPv4-compatible ::a.b.c.d is refused outright, and
 * so is 6to4, which embeds its IPv4 in groups 2-3.)
 */
function embeddedIpv4(groups: readonly number[]): string | undefined {
  const zeros = (from: number, to: number): boolean => groups.slice(from, to).every((g) => g === 0);
  const mapped = zeros(0, 5) && groups[5] === 0xffff;
  const translated = zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6);
  if (!mapped && !translated && !nat64) return undefined;
  return dottedQuad(groups[6] ?? 0, groups[7] ?? 0);
}

/** True only for a globally reachable unicast address. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !blocked.check(address, 'ipv4');
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(bare)) return false;
  const groups = ipv6Groups(bare);
  if (groups === undefined) return false;
  const v4 = embeddedIpv4(groups);
  if (v4 !== undefined) return isPublicAddress(v4);
  // Checked in canonical hex form (no dotted tail, no zone).
  const canonical = groups.map((g) => g.toString(16)).join(':');
  return globalUnicast.check(canonical, 'ipv6') && !blocked.check(canonical, 'ipv6');
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
  // An IP literal is judged as written (after WHATWG normalisation), never through DNS.
  if (isIP(hostname) !== 0) {
    return isPublicAddress(hostname)
      ? ok(url)
      : err({
          reason: 'private-address',
          detail: `${url.hostname} is a private, loopback, link-local or reserved address`,
        });
  }
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
