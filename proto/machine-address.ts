/**
 * The one spelling of a machine's address and host name, used by every path
 * that writes or compares them (create, import, overwrite by address), so
 * two spellings of one machine are recognised as the same machine:
 *  - an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, `::ffff:a01:203`) is the
 *    IPv4 address it maps (`10.1.2.3`), as Postgres would otherwise store it
 *    as a different inet value (another family) and let both be live;
 *  - other IPv6 addresses follow RFC 5952 (lower case, no leading zeros, the
 *    longest run of zero groups compressed), as the WHATWG URL parser writes them;
 *  - host names are lower case, as the agent names the Node after the
 *    lower-cased host name (Kubernetes node names are lower-case RFC 1123).
 * Pure and dependency-free: runs in Node, workerd and the agent alike.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;
const MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** Dotted IPv4 from the two 16-bit groups of an IPv4-mapped address. */
function dotted(high: string, low: string): string {
  const h = Number.parseInt(high, 16);
  const l = Number.parseInt(low, 16);
  return [h >> 8, h & 255, l >> 8, l & 255].join(".");
}

/**
 * The canonical text of an IPv4 or IPv6 address, or null when it is neither.
 * IPv4 must be four decimal octets without leading zeros (no octal, no
 * shorthand); zone ids (`fe80::1%eth0`) and prefixes are not addresses.
 */
export function canonicalIp(text: string): string | null {
  const value = text.trim();
  if (!value.includes(":")) return IPV4.test(value) ? value : null;
  // only address characters, so nothing after the brackets can reach the URL's path or port
  if (!IPV6_CHARS.test(value)) return null;
  let host: string;
  try {
    host = new URL(`http://[${value}]/`).hostname;
  } catch {
    return null;
  }
  const ipv6 = host.slice(1, -1);
  const mapped = MAPPED.exec(ipv6);
  return mapped ? dotted(mapped[1]!, mapped[2]!) : ipv6;
}

/** The canonical host name: lower case (DNS names compare case-insensitively). */
export function canonicalHostname(text: string): string {
  return text.toLowerCase();
}
