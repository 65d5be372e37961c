/**
 * Kubernetes resource quantities ("250m", "1.5Gi", "123456789n", "1e3") as
 * whole millicores or bytes. client-node's quantityToScalar refuses a
 * fraction with a binary suffix ("1.5Gi") and works in floating point, where
 * "0.1" × 1000 is not 100; this computes exactly with BigInt and rounds up,
 * as the API machinery's MilliValue()/Value() do.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource): a signed decimal number,
 * then one of: a binary suffix (Ki … Ei), a decimal one (n, u, m, "", k, M,
 * G, T, P, E) or an exponent (e3, E-2). Anything else is not a quantity: the
 * functions answer null and callers decide what that means.
 */
import type { ResourceAmounts } from "./types.ts";

const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;
const BINARY_POWERS: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXPONENTS: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
/** Far beyond any real quantity; keeps a hostile "1e999999999" from building a huge BigInt. */
const MAX_EXPONENT = 40;

/** ceil(quantity × 10^scale) as a number (capped at MAX_SAFE_INTEGER), or null when it is no quantity. */
function scaled(text: string, scale: number): number | null {
  const m = QUANTITY.exec(text.trim());
  if (!m) return null;
  const [, sign, number, exponent, suffix] = m as unknown as [string, string, string, string?, string?];
  const [whole = "", fraction = ""] = number.split(".");
  let mantissa = BigInt(`${whole}${fraction}` || "0");
  let exp10 = scale - fraction.length;
  if (exponent !== undefined) exp10 += Number(exponent);
  else if (suffix !== undefined && suffix in BINARY_POWERS) mantissa <<= BINARY_POWERS[suffix]!;
  else if (suffix !== undefined) exp10 += DECIMAL_EXPONENTS[suffix]!;
  let magnitude: bigint;
  if (mantissa === 0n) magnitude = 0n;
  else if (exp10 > MAX_EXPONENT) magnitude = BigInt(Number.MAX_SAFE_INTEGER);
  else if (exp10 >= 0) magnitude = mantissa * 10n ** BigInt(exp10);
  else if (exp10 < -MAX_EXPONENT) magnitude = 1n;
  else {
    // rounded up, as the API machinery does (away from zero for the negatives only hostile input has)
    const divisor = 10n ** BigInt(-exp10);
    magnitude = (mantissa + divisor - 1n) / divisor;
  }
  const capped = Number(
    magnitude > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : magnitude,
  );
  return sign === "-" && capped !== 0 ? -capped : capped;
}

/** CPU: "250m" → 250, "2" → 2000, "123456789n" → 124. */
export function quantityMillis(text: string): number | null {
  return scaled(text, 3);
}

/** Memory and other whole units: "1Ki" → 1024, "1.5Gi" → 1610612736, "1e3" → 1000. */
export function quantityValue(text: string): number | null {
  return scaled(text, 0);
}

/**
 * The cpu and memory of a resource list (a Node's capacity, a container's
 * requests). Missing ones are zero, and so are ones that do not parse or are
 * negative: the API server validated them, so that would be a gap here, and
 * a figure must never take a Node or a pod out of the sums.
 */
export function cpuAndMemory(quantities: { [resource: string]: string } | undefined): ResourceAmounts {
  const cpu = quantities?.cpu;
  const memory = quantities?.memory;
  return Object.freeze({
    cpuMillis: Math.max(0, (cpu === undefined ? 0 : quantityMillis(String(cpu))) ?? 0),
    memoryBytes: Math.max(0, (memory === undefined ? 0 : quantityValue(String(memory))) ?? 0),
  });
}
