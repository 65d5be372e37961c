/**
 * One spelling per address, so "2001:DB8::1" in a file and "2001:db8:0:0::1"
 * in the database are recognised as the same machine (Postgres compares inet
 * values, not their text). IPv6 follows RFC 5952: lower case, no leading
 * zeros, the longest run of zero groups compressed.
 */

function ipv4Octets(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return octets.every((o) => o >= 0 && o <= 255) ? octets : null;
}

function ipv6Groups(text: string): number[] | null {
  let head = text;
  const tail: number[] = [];
  // an embedded IPv4 address fills the last two groups
  const lastColon = head.lastIndexOf(":");
  if (head.slice(lastColon + 1).includes(".")) {
    const octets = ipv4Octets(head.slice(lastColon + 1));
    if (!octets) return null;
    tail.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
    // keep "::" when the address compresses right before the IPv4 part ("::ffff:…" keeps "::ffff")
    head = head.slice(0, lastColon + 1);
    if (!head.endsWith("::")) head = head.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = [...left, ...right].map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? Number.parseInt(g, 16) : -1));
  if (groups.some((g) => g < 0)) return null;
  const width = 8 - tail.length;
  if (halves.length === 1 && groups.length !== width) return null;
  if (halves.length === 2 && groups.length > width - 1) return null;
  const zeros = new Array<number>(width - groups.length).fill(0);
  return [...groups.slice(0, left.length), ...zeros, ...groups.slice(left.length), ...tail];
}

function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** The canonical text of an IPv4 or IPv6 address, or null when it is neither. */
export function canonicalIp(text: string): string | null {
  const value = text.trim();
  if (value.includes(":")) {
    const groups = ipv6Groups(value);
    return groups ? formatIpv6(groups) : null;
  }
  const octets = ipv4Octets(value);
  return octets ? octets.join(".") : null;
}
