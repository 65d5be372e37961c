/**
 * Device query templates: which machines a person or a strategy asks for.
 *
 * A template is `{ logic, groups: [{ logic, blocks: [{ type, key, operator, value? }] }] }`.
 * Groups combine with the template's logic, blocks inside a group with the
 * group's logic; the `extra` groups of a device query are ANDed with the
 * template's result. A template with no groups matches every machine; a
 * group with no blocks is refused ("and" of nothing is true, "or" of nothing
 * false: too easy to get wrong by accident).
 *
 * Semantics (compile.ts turns them into SQL, test/support/device-query-reference.ts
 * into a brute-force matcher; the property test holds the two to each other):
 *
 * - Two-valued: a block on a missing field, label or taint is false, except
 *   `ne`, `notin` and `notexists`, which are true. No SQL NULL ever reaches
 *   the boolean.
 * - `type: "device"`, `key` a field as GET /v1/machines shows it:
 *   - numbers `cpuCores`, `memoryBytes`, `gpuCount` (always present):
 *     eq ne in notin gt gte lt lte exists notexists, numeric comparison
 *     (`exists` is always true, `notexists` always false);
 *   - strings `gpuType`, `region`, `zone`, `rack`, `osImage`, `kernelVersion`,
 *     `kubeletVersion` (may be missing) and `hostname`, `status`, `ip`
 *     (always present): eq ne in notin contains exists notexists. Comparison
 *     is exact (case-sensitive, byte for byte); `contains` is a case-sensitive
 *     substring in which `%`, `_` and `\` are plain characters (the empty
 *     string is in every present value). A `status` value of eq/ne/in/notin
 *     must be a machine state. An `ip` value of eq/ne/in/notin must be an
 *     address and compares as an address (`::ffff:10.0.0.1` is `10.0.0.1`);
 *     `ip contains` is a substring of the address's text as the API shows it;
 *   - `tags` (a list of strings): `contains` (the value is one of the tags),
 *     `in` (one of the values is a tag), `notin` (none of the values is a
 *     tag), `exists` (at least one tag), `notexists` (no tag).
 * - `type: "nodeLabel"`, `key` a label key: the label's value, as for an
 *   optional string field: eq ne in notin contains exists notexists.
 * - `type: "taint"`, `key` a taint key (a machine may carry several taints
 *   with one key, with different values or effects, or none):
 *   - `exists`: a taint with this key (with a `value`: a taint with this key
 *     and this value); `notexists`: its negation;
 *   - `eq`/`in`/`contains`: some taint with this key has the value / one of
 *     the values / a value containing it; `ne`/`notin`: no taint with this
 *     key has the value / any of the values. A taint without a value has no
 *     value: it never matches eq, in or contains (not even of "").
 *
 * Values: none for exists/notexists (taints: optionally a string); an array of
 * 1–100 items for in/notin; a number for gt/gte/lt/lte and for every operator
 * on a number field; a string (≤ 256 characters, no NUL) otherwise. At most
 * 20 groups (and 20 extra groups), 50 blocks a group; label and taint keys
 * follow the Kubernetes label key syntax (≤ 317 characters).
 */
import { canonicalIp } from "../../../proto/machine-address.ts";
import { isMachineState, MACHINE_STATES } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import { LABEL_KEY_PATTERN } from "../label-syntax.ts";

export const TEMPLATE_LOGICS = ["and", "or"] as const;
export type Logic = (typeof TEMPLATE_LOGICS)[number];

export const BLOCK_TYPES = ["device", "nodeLabel", "taint"] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

export const OPERATORS = [
  "eq",
  "ne",
  "in",
  "notin",
  "gt",
  "gte",
  "lt",
  "lte",
  "exists",
  "notexists",
  "contains",
] as const;
export type Operator = (typeof OPERATORS)[number];

export const DEVICE_FIELDS = [
  "cpuCores",
  "memoryBytes",
  "gpuCount",
  "gpuType",
  "region",
  "zone",
  "rack",
  "hostname",
  "ip",
  "osImage",
  "kernelVersion",
  "kubeletVersion",
  "status",
  "tags",
] as const;
export type DeviceField = (typeof DEVICE_FIELDS)[number];

export interface QueryBlock {
  type: BlockType;
  key: string;
  operator: Operator;
  value?: unknown;
}

export interface QueryGroup {
  logic: Logic;
  blocks: QueryBlock[];
}

export interface QueryTemplateBody {
  logic: Logic;
  groups: QueryGroup[];
}

export const MAX_GROUPS = 20;
export const MAX_BLOCKS_PER_GROUP = 50;
export const MAX_SET_VALUES = 100;
export const MAX_KEY_LENGTH = 317;
export const MAX_STRING_LENGTH = 256;

export type FieldKind = "number" | "string" | "tags";

export const DEVICE_FIELD_KINDS: Readonly<Record<DeviceField, FieldKind>> = {
  cpuCores: "number",
  memoryBytes: "number",
  gpuCount: "number",
  gpuType: "string",
  region: "string",
  zone: "string",
  rack: "string",
  hostname: "string",
  ip: "string",
  osImage: "string",
  kernelVersion: "string",
  kubeletVersion: "string",
  status: "string",
  tags: "tags",
};

// every operator but the string one
const NUMBER_OPERATORS: readonly Operator[] = OPERATORS.filter((op) => op !== "contains");
const STRING_OPERATORS: readonly Operator[] = ["eq", "ne", "in", "notin", "contains", "exists", "notexists"];
const TAGS_OPERATORS: readonly Operator[] = ["contains", "in", "notin", "exists", "notexists"];

/** The operators a block may use, by what it tests. */
export function operatorsFor(type: BlockType, key: string): readonly Operator[] {
  if (type !== "device") return STRING_OPERATORS;
  const kind = DEVICE_FIELD_KINDS[key as DeviceField];
  return kind === "number" ? NUMBER_OPERATORS : kind === "tags" ? TAGS_OPERATORS : STRING_OPERATORS;
}

export const isLogic = (v: unknown): v is Logic => (TEMPLATE_LOGICS as readonly unknown[]).includes(v);
export const isBlockType = (v: unknown): v is BlockType => (BLOCK_TYPES as readonly unknown[]).includes(v);
export const isOperator = (v: unknown): v is Operator => (OPERATORS as readonly unknown[]).includes(v);
export const isDeviceField = (v: unknown): v is DeviceField =>
  (DEVICE_FIELDS as readonly unknown[]).includes(v);

/** Whether a block's value is absent: not given, or null. */
const absent = (value: unknown) => value === undefined || value === null;

const at = (path: string, name: string) => (path === "" ? name : `${path}.${name}`);

function invalid(path: string, why: string): AppError {
  return new AppError("validation_failed", `${path}: ${why}`, { path });
}

const describe = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Refuses a template that is not one, with a validation_failed (400) whose
 * message and `details.path` name the offending place in bracket form
 * (`groups[1].blocks[0].operator`), under `path` when given
 * (`template.groups[0]…`). Checks the shape too, so it is safe on anything
 * that came over the wire.
 */
export function checkTemplate(t: QueryTemplateBody, path = ""): void {
  if (!isRecord(t)) throw invalid(path === "" ? "template" : path, "must be an object");
  if (!isLogic(t.logic)) {
    throw invalid(
      at(path, "logic"),
      `${describe(t.logic)} is not a logic (one of ${TEMPLATE_LOGICS.join(", ")})`,
    );
  }
  checkGroups(t.groups, at(path, "groups"));
}

/** Checks a list of groups (a template's, or a device query's `extra`) found at `path`. */
export function checkGroups(groups: readonly QueryGroup[], path: string): void {
  if (!Array.isArray(groups)) throw invalid(path, "must be an array of groups");
  if (groups.length > MAX_GROUPS) throw invalid(path, `at most ${MAX_GROUPS} groups, not ${groups.length}`);
  for (const [i, group] of groups.entries()) checkGroup(group, `${path}[${i}]`);
}

function checkGroup(group: QueryGroup, path: string): void {
  if (!isRecord(group)) throw invalid(path, "must be an object with logic and blocks");
  if (!isLogic(group.logic)) {
    throw invalid(
      `${path}.logic`,
      `${describe(group.logic)} is not a logic (one of ${TEMPLATE_LOGICS.join(", ")})`,
    );
  }
  const blocks = group.blocks;
  if (!Array.isArray(blocks)) throw invalid(`${path}.blocks`, "must be an array of blocks");
  if (blocks.length === 0) throw invalid(`${path}.blocks`, "a group needs at least one block");
  if (blocks.length > MAX_BLOCKS_PER_GROUP) {
    throw invalid(`${path}.blocks`, `at most ${MAX_BLOCKS_PER_GROUP} blocks a group, not ${blocks.length}`);
  }
  for (const [j, block] of blocks.entries()) checkBlock(block, `${path}.blocks[${j}]`);
}

function checkBlock(block: QueryBlock, path: string): void {
  if (!isRecord(block)) throw invalid(path, "must be an object with type, key and operator");
  const { type, key, operator, value } = block;
  if (!isBlockType(type)) {
    throw invalid(`${path}.type`, `${describe(type)} is not a block type (one of ${BLOCK_TYPES.join(", ")})`);
  }
  checkKey(type, key, `${path}.key`);
  if (!isOperator(operator)) {
    throw invalid(
      `${path}.operator`,
      `${describe(operator)} is not an operator (one of ${OPERATORS.join(", ")})`,
    );
  }
  const allowed = operatorsFor(type, key);
  if (!allowed.includes(operator)) {
    const what = type === "device" ? `field ${key}` : `a ${type} block`;
    throw invalid(
      `${path}.operator`,
      `${operator} does not apply to ${what} (use one of ${allowed.join(", ")})`,
    );
  }
  checkValue(type, key, operator, value, `${path}.value`);
}

function checkKey(type: BlockType, key: unknown, path: string): asserts key is string {
  if (typeof key !== "string") throw invalid(path, "must be a string");
  if (type === "device") {
    if (!isDeviceField(key)) {
      throw invalid(path, `${describe(key)} is not a device field (one of ${DEVICE_FIELDS.join(", ")})`);
    }
    return;
  }
  const what = type === "nodeLabel" ? "label key" : "taint key";
  if (key.length > MAX_KEY_LENGTH) throw invalid(path, `a ${what} has at most ${MAX_KEY_LENGTH} characters`);
  if (!LABEL_KEY_PATTERN.test(key)) throw invalid(path, `${describe(key)} is not a valid ${what}`);
}

function checkValue(type: BlockType, key: string, operator: Operator, value: unknown, path: string): void {
  if (operator === "exists" || operator === "notexists") {
    if (absent(value)) return;
    if (type !== "taint") throw invalid(path, `${operator} takes no value`);
    checkString(value, path);
    return;
  }
  if (absent(value)) throw invalid(path, `${operator} needs a value`);
  const numeric = type === "device" && DEVICE_FIELD_KINDS[key as DeviceField] === "number";
  const checkOne = (item: unknown, itemPath: string): void => {
    if (numeric) {
      checkNumber(item, itemPath);
    } else {
      checkString(item, itemPath);
      if (type === "device" && operator !== "contains") checkFieldValue(key, item as string, itemPath);
    }
  };
  if (operator === "in" || operator === "notin") {
    if (!Array.isArray(value)) throw invalid(path, `${operator} needs an array of values`);
    if (value.length === 0) throw invalid(path, `${operator} needs at least one value`);
    if (value.length > MAX_SET_VALUES) {
      throw invalid(path, `at most ${MAX_SET_VALUES} values, not ${value.length}`);
    }
    for (const [i, item] of value.entries()) checkOne(item, `${path}[${i}]`);
    return;
  }
  if (Array.isArray(value)) throw invalid(path, `${operator} needs a single value, not an array`);
  checkOne(value, path);
}

function checkNumber(value: unknown, path: string): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalid(path, `must be a number, not ${describe(value)}`);
  }
}

function checkString(value: unknown, path: string): asserts value is string {
  if (typeof value !== "string") throw invalid(path, `must be a string, not ${describe(value)}`);
  if (value.length > MAX_STRING_LENGTH) throw invalid(path, `at most ${MAX_STRING_LENGTH} characters`);
  if (value.includes("\u0000")) throw invalid(path, "must not contain a NUL character");
}

/** A compared (not searched) value of a field with a closed set of spellings. */
function checkFieldValue(key: string, value: string, path: string): void {
  if (key === "status" && !isMachineState(value)) {
    throw invalid(path, `${describe(value)} is not a machine state (one of ${MACHINE_STATES.join(", ")})`);
  }
  if (key === "ip" && canonicalIp(value) === null) {
    throw invalid(path, `${describe(value)} is not an IPv4 or IPv6 address`);
  }
}

/**
 * The template as it is stored and compiled: only the known properties, no
 * null values, and addresses in their canonical spelling. Call after
 * checkTemplate.
 */
export function canonicalTemplate(t: QueryTemplateBody): QueryTemplateBody {
  return { logic: t.logic, groups: canonicalGroups(t.groups) };
}

export function canonicalGroups(groups: readonly QueryGroup[]): QueryGroup[] {
  return groups.map((g) => ({ logic: g.logic, blocks: g.blocks.map(canonicalBlock) }));
}

function canonicalBlock(b: QueryBlock): QueryBlock {
  const block: QueryBlock = { type: b.type, key: b.key, operator: b.operator };
  if (absent(b.value)) return block;
  const canonical = (v: unknown) =>
    b.type === "device" && b.key === "ip" && b.operator !== "contains" && typeof v === "string"
      ? (canonicalIp(v) ?? v)
      : v;
  block.value = Array.isArray(b.value) ? b.value.map(canonical) : canonical(b.value);
  return block;
}
