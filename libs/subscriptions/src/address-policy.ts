/**
 * Which network addresses a webhook may be delivered to. Private, loopback, link-local and other
 * non-public ranges are refused unless the allowlist (LIAISON_WEBHOOK_ALLOWLIST) names the
 * host, the address or a CIDR containing it. The caller resolves the host name and asks about
 * every address it resolved to, then connects to an allowed one (and only that one).
 */

export interface AllowEntry {
  readonly raw: string;
  readonly kind: 'host' | 'ip' | 'cidr';
}

export type AddressVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** An IP address as its bytes: 4 (IPv4) or 16 (IPv6). */
type Bytes = readonly number[];

interface Range {
  readonly base: Bytes;
  readonly bits: number;
  readonly name: string;
}

/** Parses a literal IPv4 or IPv6 address (a zone id `%eth0` is ignored); undefined when it is not one. */
export function parseIp(text: string): Bytes | undefined {
  const address = text.replace(/^\[|\]$/g, '').split('%')[0];
  return parseIpv4(address) ?? parseIpv6(address);
}

function parseIpv4(text: string): Bytes | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function parseIpv6(text: string): Bytes | undefined {
  if (!text.includes(':')) return undefined;
  let head = text;
  let tail4: Bytes | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseIpv4(text.slice(lastColon + 1));
    if (!tail4) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groupsOf(halves[0]);
  const right = halves.length === 2 ? groupsOf(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const bytes = groups.flatMap((g) => {
    const value = parseInt(g, 16);
    return [value >> 8, value & 0xff];
  });
  if (tail4) bytes.splice(12, 4, ...tail4);
  return bytes;
}

function range(cidr: string, name: string): Range {
  const [ip, bits] = cidr.split('/');
  return { base: parseIp(ip)!, bits: Number(bits), name };
}

function inRange(address: Bytes, r: Range): boolean {
  if (address.length !== r.base.length) return false;
  for (let bit = 0; bit < r.bits; bit++) {
    const mask = 0x80 >> bit % 8;
    if ((address[bit >> 3] & mask) !== (r.base[bit >> 3] & mask)) return false;
  }
  return true;
}

const IPV4_NON_PUBLIC: readonly Range[] = [
  range('0.0.0.0/8', 'this-network'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared (carrier-grade NAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
];

const IPV6_NON_PUBLIC: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('100::/64', 'discard'),
  range('2001:db8::/32', 'documentation'),
  range('fc00::/7', 'unique-local (private)'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

/** IPv6 forms that carry an IPv4 address: the IPv4 rules apply to it. */
const IPV4_CARRIERS: readonly { range: Range; offset: number }[] = [
  { range: range('::ffff:0:0/96', 'IPv4-mapped'), offset: 12 },
  { range: range('::/96', 'IPv4-compatible'), offset: 12 },
  { range: range('64:ff9b::/96', 'NAT64'), offset: 12 },
  { range: range('2002::/16', '6to4'), offset: 2 },
];

/** The non-public range `address` is in (e.g. `loopback`), or undefined for a public address. */
export function nonPublicRange(address: Bytes): string | undefined {
  if (address.length === 4) return IPV4_NON_PUBLIC.find((r) => inRange(address, r))?.name;
  const own = IPV6_NON_PUBLIC.find((r) => inRange(address, r));
  if (own) return own.name;
  const carrier = IPV4_CARRIERS.find((c) => inRange(address, c.range));
  return carrier ? nonPublicRange(address.slice(carrier.offset, carrier.offset + 4)) : undefined;
}

function allowedByList(address: Bytes, hostname: string, allowlist: readonly AllowEntry[]): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return allowlist.some((entry) => {
    if (entry.kind === 'host') return entry.raw.toLowerCase() === host;
    if (entry.kind === 'ip') return sameAddress(parseIp(entry.raw), address);
    const [ip, bits] = entry.raw.split('/');
    const base = parseIp(ip);
    return !!base && inRange(address, { base, bits: Number(bits), name: 'allowlist' });
  });
}

function sameAddress(a: Bytes | undefined, b: Bytes): boolean {
  return !!a && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * May a webhook for `hostname` be sent to `address` (one the host resolved to)? Public
 * addresses may; others only when the allowlist names the host, the address or its range.
 */
export function checkAddress(address: string, hostname: string, allowlist: readonly AllowEntry[]): AddressVerdict {
  const bytes = parseIp(address);
  if (!bytes) return { allowed: false, reason: `"${address}" is not an IP address` };
  const nonPublic = nonPublicRange(bytes);
  if (!nonPublic || allowedByList(bytes, hostname, allowlist)) return { allowed: true };
  return { allowed: false, reason: `${address} is a ${nonPublic} address (not in LIAISON_WEBHOOK_ALLOWLIST)` };
}

/** A webhook endpoint as delivery needs it. */
export interface EndpointUrl {
  readonly url: URL;
  /** The host to resolve (brackets removed from IPv6 literals). */
  readonly hostname: string;
  /** Set when the host is already an IP address literal (nothing to resolve). */
  readonly literalAddress?: string;
}

/**
 * Checks an endpoint's form: an absolute http(s) URL without credentials or fragment. The
 * address it resolves to is checked at every delivery (`checkAddress`).
 */
export function parseEndpointUrl(text: string): EndpointUrl | { readonly error: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `"${text}" is not an absolute URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: `The endpoint must be http(s), not ${url.protocol}` };
  if (url.username || url.password) return { error: 'The endpoint must not carry credentials (use channel.header)' };
  if (url.hash) return { error: 'The endpoint must not have a fragment' };
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return { url, hostname, ...(parseIp(hostname) && { literalAddress: hostname }) };
}
