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
 * ipaddr.js parses and prints; it runs in Node, workerd and the agent alike.
 */
import ipaddr from "ipaddr.js";

/**
 * The canonical text of an IPv4 or IPv6 address, or null when it is neither.
 * IPv4 must be four decimal octets without leading zeros (no octal, no hex,
 * no shorthand such as `10.1`); zone ids (`fe80::1%eth0`) and prefixes are
 * not addresses.
 */
export function canonicalIp(text: string): string | null {
  const value = text.trim();
  if (!value.includes(":")) {
    return ipaddr.IPv4.isValidFourPartDecimal(value) ? ipaddr.IPv4.parse(value).toString() : null;
  }
  const hex = withHexTail(value);
  if (hex === null || !ipaddr.IPv6.isValid(hex)) return null;
  const address = ipaddr.IPv6.parse(hex);
  if (address.zoneId !== undefined) return null;
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toRFC5952String();
}

/**
 * An IPv6 address with a dotted IPv4 tail (`64:ff9b::10.0.0.1`), spelled with
 * two hex groups instead (`64:ff9b::a00:1`); null when the tail is not four
 * decimal octets. ipaddr.js would read the tail more loosely (octal, hex) and
 * take `::a.b.c.d` for the mapped `::ffff:a.b.c.d`, which is another address.
 */
function withHexTail(value: string): string | null {
  const colon = value.lastIndexOf(":");
  const tail = value.slice(colon + 1);
  if (!tail.includes(".")) return value;
  if (!ipaddr.IPv4.isValidFourPartDecimal(tail)) return null;
  const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(tail).octets;
  return `${value.slice(0, colon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** The canonical host name: lower case (DNS names compare case-insensitively). */
export function canonicalHostname(text: string): string {
  return text.toLowerCase();
}
