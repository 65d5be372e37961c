/**
 * Command arguments beyond what commander checks: resource references that go
 * into URL paths, numbers, durations and times, and the `--set key=value`
 * fields of a create or update.
 */
import { InvalidArgumentError } from "commander";
import { usageError } from "./api.ts";

/** commander collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** commander parser for a whole number ≥ 0. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number");
  return Number(value);
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `500ms`, `90s`, `5m`, `2h`, `7d` → milliseconds (a bare number is seconds). */
export function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|[smhd]?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("must be a duration like 500ms, 30s, 5m, 2h or 7d");
  return Math.round(Number(match[1]) * (UNIT_SECONDS[match[2] || "s"] ?? 1) * 1000);
}

/** An ISO time, or a duration meaning that long before `now` (`--since 1h`). */
export function timeArg(value: string, now: number = Date.now()): string {
  if (/^\d+(?:\.\d+)?[smhd]$/.test(value.trim())) return new Date(now - durationMs(value)).toISOString();
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new InvalidArgumentError("must be an ISO time or a duration like 1h or 7d");
  return new Date(parsed).toISOString();
}

/**
 * An id or a name for one URL path segment. openapi-fetch percent-encodes it,
 * but "." and ".." (even encoded) are read by URL parsers as path steps and
 * would address another resource, and "" would address the collection.
 */
export function pathRef(value: string, what: string): string {
  if (value === "") throw usageError(`${what} must not be empty`);
  if (value === "." || value === "..") throw usageError(`${what} "${value}" is not a name`);
  return value;
}

export interface PoolRef {
  cluster: string;
  pool: string;
}

/** `<cluster>/<pool>`, or `<pool>` with `--cluster <cluster>`: the pool routes live under their cluster. */
export function poolRefOf(arg: string, clusterFlag: string | undefined): PoolRef {
  if (clusterFlag !== undefined) {
    if (arg.includes("/")) throw usageError("give the pool as <cluster>/<pool> or --cluster, not both");
    return { cluster: pathRef(clusterFlag, "--cluster"), pool: pathRef(arg, "the pool") };
  }
  const parts = arg.split("/");
  if (parts.length !== 2) {
    throw usageError(`give the pool as <cluster>/<pool> (or --cluster <cluster> <pool>), not "${arg}"`);
  }
  return { cluster: pathRef(parts[0]!, "the cluster"), pool: pathRef(parts[1]!, "the pool") };
}

export const SET_HELP = [
  "--set KEY=VALUE is repeatable; VALUE is read as JSON when it is JSON",
  `(3, true, null, ["a","b"], {"k":"v"}), as text otherwise; --set-string KEY=VALUE keeps VALUE text.`,
].join("\n");

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export interface SetOptions {
  set?: string[];
  setString?: string[];
}

/**
 * A request body from `--set` and `--set-string`: top-level fields only, each
 * once, from `fields` (the request schema's properties; the API validates the
 * values). `base` holds fields given by dedicated flags or arguments.
 */
export function bodyOf(
  options: SetOptions,
  fields: readonly string[],
  base: Record<string, unknown> = {},
  { requireChange = false } = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...base };
  const assignments = [
    ...(options.set ?? []).map((pair) => ({ flag: "--set", pair, asText: false })),
    ...(options.setString ?? []).map((pair) => ({ flag: "--set-string", pair, asText: true })),
  ];
  for (const { flag, pair, asText } of assignments) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usageError(`${flag}: expected KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    if (!fields.includes(key)) {
      throw usageError(`${flag}: unknown field "${key}"; fields: ${fields.join(", ")}`);
    }
    if (Object.hasOwn(body, key)) throw usageError(`${flag}: "${key}" is given twice`);
    const raw = pair.slice(eq + 1);
    body[key] = asText ? raw : parseValue(raw);
  }
  if (requireChange && Object.keys(body).length === 0) {
    throw usageError("nothing to change: give --set KEY=VALUE");
  }
  return body;
}

/** `k=v` pairs (repeatable --label) as a labels object. */
export function labelsOf(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usageError(`--label: expected KEY=VALUE, got "${pair}"`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}
