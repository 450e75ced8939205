/**
 * Which addresses a webhook may reach (SSRF). Only global unicast addresses are public. Loopback
 * and private networks (RFC 1918, CGNAT 100.64/10, IPv6 ULA fc00::/7, site-local fec0::/10) are
 * reachable only when the organization allows private addresses (self-hosted receivers). Link-local,
 * cloud metadata, multicast, unspecified, broadcast and reserved addresses are never reachable.
 *
 * Addresses come from the WHATWG URL parser (which already turns `2130706433`, `0x7f.1` and
 * `017700000001` into `127.0.0.1`) or from DNS; an IPv6 address that embeds an IPv4 one
 * (`::ffff:127.0.0.1`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, the deprecated `::a.b.c.d`) is
 * judged by the IPv4 address it embeds.
 */
import net from 'node:net';

export type AddressCategory =
  | 'public'
  | 'loopback' | 'private' | 'carrier_grade_nat' | 'unique_local'
  | 'link_local' | 'metadata' | 'multicast' | 'unspecified' | 'broadcast' | 'reserved';

/** Reachable with the organization's `webhooks_allow_private_addresses`. */
const PRIVATE: ReadonlySet<AddressCategory> = new Set(['loopback', 'private', 'carrier_grade_nat', 'unique_local']);

export function isAllowedCategory(category: AddressCategory, allowPrivate: boolean): boolean {
  return category === 'public' || (allowPrivate && PRIVATE.has(category));
}

/** Host names that always mean an internal address, refused before any lookup. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);

/** `localhost`, `*.localhost` (RFC 6761: loopback), and the cloud metadata services' names. */
export function classifyHostName(hostname: string): AddressCategory | null {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.has(name)) return 'metadata';
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  return null;
}

/** An address literal of a URL's hostname (`[::1]` → `::1`), or null for a name. */
export function addressLiteral(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return net.isIP(bare) ? bare : null;
}

export function classifyAddress(address: string): AddressCategory {
  if (net.isIPv4(address)) return classifyIPv4(ipv4Number(address));
  if (net.isIPv6(address)) return classifyIPv6(ipv6Groups(address));
  throw new Error(`Not an IP address: ${address}`);
}

// ---- IPv4 ---------------------------------------------------------------------------------------

function ipv4Number(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

const v4 = (cidr: string): [number, number] => {
  const [base, bits] = cidr.split('/') as [string, string];
  return [ipv4Number(base), Number(bits)];
};
const inV4 = (value: number, [base, bits]: [number, number]) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits));

/** First match wins: the metadata addresses sit inside ranges listed after them. */
const IPV4_RANGES: [[number, number], AddressCategory][] = [
  [v4('169.254.169.254/32'), 'metadata'], // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  [v4('169.254.170.2/32'), 'metadata'], // AWS ECS task metadata
  [v4('100.100.100.200/32'), 'metadata'], // Alibaba Cloud
  [v4('168.63.129.16/32'), 'metadata'], // Azure WireServer (a public-looking platform address)
  [v4('192.0.0.192/32'), 'metadata'], // Oracle Cloud (legacy)
  [v4('255.255.255.255/32'), 'broadcast'],
  [v4('0.0.0.0/8'), 'unspecified'],
  [v4('127.0.0.0/8'), 'loopback'],
  [v4('10.0.0.0/8'), 'private'],
  [v4('172.16.0.0/12'), 'private'],
  [v4('192.168.0.0/16'), 'private'],
  [v4('100.64.0.0/10'), 'carrier_grade_nat'],
  [v4('169.254.0.0/16'), 'link_local'],
  [v4('224.0.0.0/4'), 'multicast'],
  [v4('192.0.0.0/24'), 'reserved'], // IETF protocol assignments
  [v4('192.0.2.0/24'), 'reserved'], // documentation
  [v4('198.51.100.0/24'), 'reserved'],
  [v4('203.0.113.0/24'), 'reserved'],
  [v4('198.18.0.0/15'), 'reserved'], // benchmarking
  [v4('192.88.99.0/24'), 'reserved'], // 6to4 relay anycast
  [v4('240.0.0.0/4'), 'reserved'],
];

function classifyIPv4(value: number): AddressCategory {
  return IPV4_RANGES.find(([range]) => inV4(value, range))?.[1] ?? 'public';
}

// ---- IPv6 ---------------------------------------------------------------------------------------

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted quad converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const value = ipv4Number(quad[1]!);
    text = `${text.slice(0, quad.index)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null];
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === null ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const embeddedIPv4 = (high: number, low: number) => high * 65536 + low;

function classifyIPv6(g: number[]): AddressCategory {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroUpTo = (n: number) => g.slice(0, n).every((group) => group === 0);
  if (zeroUpTo(8)) return 'unspecified'; // ::
  if (zeroUpTo(7) && g7 === 1) return 'loopback'; // ::1
  if (zeroUpTo(5) && g5 === 0xffff) return classifyIPv4(embeddedIPv4(g6, g7)); // ::ffff:a.b.c.d (mapped)
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return classifyIPv4(embeddedIPv4(g6, g7)); // ::ffff:0:a.b.c.d (SIIT)
  if (zeroUpTo(6)) return classifyIPv4(embeddedIPv4(g6, g7)); // ::a.b.c.d (IPv4-compatible, deprecated)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyIPv4(embeddedIPv4(g6, g7)); // NAT64
  if (g0 === 0x2002) return classifyIPv4(embeddedIPv4(g1, g2)); // 6to4
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 0x254) return 'metadata'; // AWS IMDS over IPv6
  if ((g0 & 0xfe00) === 0xfc00) return 'unique_local'; // fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link_local'; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  if (g0 === 0x2001 && g1 === 0) return 'reserved'; // Teredo: the real endpoint is hidden
  if (g0 === 0x2001 && g1 < 0x200) return 'reserved'; // IETF protocol assignments (2001::/23)
  if ((g0 & 0xe000) === 0x2000) return 'public'; // 2000::/3 global unicast
  return 'reserved'; // everything else (64:ff9b:1::/48, 100::/64 discard, unassigned)
}

/**
 * What registration refuses at once, before any DNS: a URL whose host is an address literal, or a
 * name that always means an internal address, not allowed for the organization. Null when the URL
 * may be registered (a name is resolved and checked again on every delivery).
 */
export function refusedUrlHost(rawUrl: string, allowPrivate: boolean): AddressCategory | null {
  let host: string;
  try {
    host = new URL(rawUrl).hostname;
  } catch {
    return null; // the schema refuses what does not parse
  }
  const literal = addressLiteral(host);
  const category = literal ? classifyAddress(literal) : classifyHostName(host);
  return category !== null && !isAllowedCategory(category, allowPrivate) ? category : null;
}
