/**
 * Repairs for what @asteasolutions/zod-to-openapi 9 (the generator under @hono/zod-openapi 1.x) writes
 * wrongly for zod 4 strings, applied to the generated document so route files keep plain zod:
 *
 * - A `.regex()` check becomes `regex.toString().replace(/^\/|\/$/g, "")`. That strips the leading "/"
 *   and, only when the regex has no flags, the closing one: `/^[^\p{Cc}]*$/u` comes out as
 *   `"^[^\\p{Cc}]*$/u"`, which no string matches ("$" then a literal "/u"). A JSON Schema 2020-12
 *   pattern is an ECMA-262 regex with Unicode semantics (the "u" flag is implied), so the regex's
 *   source alone is the faithful pattern.
 * - `z.ipv4()` and `z.ipv6()` both come out as format "ip", which neither JSON Schema nor the OpenAPI
 *   format registry defines. `z.union([z.ipv4(), z.ipv6()])`, zod 4's way to say "an IP address",
 *   is an anyOf of two identical "ip" strings: those are "ipv4" and "ipv6" again.
 *
 * What cannot be repaired faithfully (flags such as "i", a lone "ip") is left as generated, for the
 * OpenAPI lint (scripts/lint-openapi.ts, run in CI) to report.
 */

/**
 * Flags that do not change whether a pattern matches a string: "u" is what JSON Schema implies,
 * "d" and "g" only change what a match reports and where a search resumes.
 */
const FLAGS_A_PATTERN_KEEPS = new Set(["d", "g", "u"]);

const WITH_FLAGS = /^(?<source>[\s\S]*)\/(?<flags>[a-z]+)$/;

/** A pattern written as `source/flags` back to `source`; any other pattern unchanged. */
export function patternWithoutFlags(pattern: string): string {
  const groups = WITH_FLAGS.exec(pattern)?.groups;
  if (!groups?.source || !groups.flags) return pattern;
  const { source, flags } = groups;
  if (![...flags].every((flag) => FLAGS_A_PATTERN_KEEPS.has(flag))) return pattern;
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch {
    return pattern;
  }
  // Only what RegExp#toString wrote (minus its leading "/") is rewritten. A source escapes every "/"
  // outside a character class, so an unescaped "/" before the flags can only be the delimiter.
  return String(regex) === `/${pattern}` ? source : pattern;
}

/** Keys whose values are data (examples, defaults, enumerations), never schemas to repair. */
const DATA_KEYS = new Set(["example", "examples", "default", "const", "enum"]);

/**
 * Keys whose values map names to objects: a property or response called "default" or "example"
 * is a name there, not a keyword.
 */
const NAME_MAP_KEYS = new Set([
  "paths",
  "webhooks",
  "callbacks",
  "schemas",
  "properties",
  "patternProperties",
  "dependentSchemas",
  "$defs",
  "parameters",
  "requestBodies",
  "responses",
  "headers",
  "content",
  "links",
  "pathItems",
  "securitySchemes",
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isIpString(member: Json): member is Record<string, Json> {
  return isObject(member) && member.format === "ip";
}

/** `[{format: "ip"}, {format: "ip"}]`, otherwise equal, as the ipv4 and ipv6 strings they were. */
function ipUnionRepaired(members: Json[]): Json[] {
  const ips = members.filter(isIpString);
  if (ips.length !== 2) return members;
  const [first, second] = ips as [Record<string, Json>, Record<string, Json>];
  if (JSON.stringify(first) !== JSON.stringify(second)) return members;
  return members.map((member) => {
    if (member === first) return { ...member, format: "ipv4" };
    if (member === second) return { ...member, format: "ipv6" };
    return member;
  });
}

function repaired(node: Json, namesOnly = false): Json {
  if (Array.isArray(node)) return node.map((item) => repaired(item));
  if (!isObject(node)) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (namesOnly) out[key] = repaired(value);
    else if (DATA_KEYS.has(key)) out[key] = value;
    else if (key === "pattern" && typeof value === "string") out[key] = patternWithoutFlags(value);
    else if ((key === "anyOf" || key === "oneOf") && Array.isArray(value)) {
      out[key] = ipUnionRepaired(value.map((item) => repaired(item)));
    } else out[key] = repaired(value, NAME_MAP_KEYS.has(key));
  }
  return out;
}

/** A copy of a generated OpenAPI document with the generator's string-schema defects repaired. */
export function repairOpenApiDocument<T extends object>(document: T): T {
  return repaired(document as unknown as Json) as unknown as T;
}
