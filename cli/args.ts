/**
 * Command arguments beyond what parseArgs checks: resource references that go
 * into URL paths, and the `--set key=value` fields of an update.
 */
import { CliError } from "./api.ts";
import type { Flags } from "./commands/types.ts";
import { EXIT_USAGE } from "./exit-codes.ts";
import { formatError } from "./output.ts";

export function usageError(message: string): CliError {
  return new CliError(formatError(message), { exitCode: EXIT_USAGE });
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

export function stringList(flags: Flags, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** The one positional argument a command takes; none or more is a usage error naming what is wanted. */
export function singleArg(args: readonly string[], wanted: string): string {
  if (args.length === 0) throw usageError(`give ${wanted}`);
  if (args.length > 1) throw usageError(`unexpected argument "${args[1]}"`);
  return args[0]!;
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
    if (arg.includes("/")) throw usageError(`give the pool as <cluster>/<pool> or --cluster, not both`);
    return { cluster: pathRef(clusterFlag, "--cluster"), pool: pathRef(arg, "the pool") };
  }
  const parts = arg.split("/");
  if (parts.length !== 2) {
    throw usageError(`give the pool as <cluster>/<pool> (or --cluster <cluster> <pool>), not "${arg}"`);
  }
  return { cluster: pathRef(parts[0]!, "the cluster"), pool: pathRef(parts[1]!, "the pool") };
}

/** The flags every update command takes. */
export const SET_OPTIONS = {
  set: { type: "string", multiple: true },
  "set-string": { type: "string", multiple: true },
} as const;

export const SET_HELP = [
  "  --set KEY=VALUE         a field to change, repeatable; VALUE is read as JSON when it is JSON",
  `                          (3, true, null, ["a","b"], {"k":"v"}), as text otherwise`,
  "  --set-string KEY=VALUE  the same, VALUE always text",
].join("\n");

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * The PATCH body from `--set` and `--set-string`: top-level fields only, each
 * once, from `fields` (the request schema's properties; the API validates the
 * values). An update with nothing to change is a usage error.
 */
export function patchBodyOf(flags: Flags, fields: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const assignments = [
    ...stringList(flags, "set").map((pair) => ({ flag: "--set", pair, asText: false })),
    ...stringList(flags, "set-string").map((pair) => ({ flag: "--set-string", pair, asText: true })),
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
  if (assignments.length === 0) throw usageError("nothing to change: give --set KEY=VALUE");
  return body;
}
