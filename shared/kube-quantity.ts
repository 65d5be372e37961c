/**
 * Kubernetes resource quantities ("250m", "1.5Gi", "123456789n", "1e3") as
 * whole millicores or bytes, runtime-neutral (the control plane's health
 * worker sums Node capacity with it on Workers and Node alike). Exact with
 * BigInt and rounded up, as the API machinery's MilliValue()/Value() do;
 * floating point would make "0.1" × 1000 something other than 100.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource): a signed decimal number,
 * then one of: a binary suffix (Ki … Ei), a decimal one (n, u, m, "", k, M,
 * G, T, P, E) or an exponent (e3, E-2). Anything else is not a quantity: the
 * functions answer null and callers decide what that means.
 *
 * The agent (agent/kubernetes/quantity.ts) sums its Nodes and pods with it too.
 */

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
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

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
  else if (exp10 > MAX_EXPONENT) magnitude = MAX_SAFE;
  else if (exp10 >= 0) magnitude = mantissa * 10n ** BigInt(exp10);
  else if (exp10 < -MAX_EXPONENT) magnitude = 1n;
  else {
    const divisor = 10n ** BigInt(-exp10);
    magnitude = (mantissa + divisor - 1n) / divisor;
  }
  const capped = Number(magnitude > MAX_SAFE ? MAX_SAFE : magnitude);
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
