/**
 * A checked template (template.ts) as one SQL boolean over the `machines`
 * row, implementing the semantics documented there. Every value is a bound
 * parameter, never spliced into the text; device keys choose a column from
 * a fixed map, label and taint keys travel as parameters of the jsonb
 * operators. Each block is two-valued: nullable columns go through
 * `coalesce(…, false)` or `is [not] distinct from`, so SQL's NULL never
 * reaches the template's `and`/`or`.
 *
 * Labels and taints use jsonb containment (`@>`) and key existence (`?`),
 * which the GIN index on labels answers for the positive cases.
 */
import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { machines } from "../../../drizzle/schema/index.ts";
import { canonicalIp } from "../../../proto/machine-address.ts";
import { AppError } from "../../lib/errors.ts";
import {
  DEVICE_FIELD_KINDS,
  type DeviceField,
  type Logic,
  type QueryBlock,
  type QueryGroup,
  type QueryTemplateBody,
} from "./template.ts";

const TRUE = sql`true`;
const FALSE = sql`false`;

/** The template's condition ANDed with every extra group. */
export function templateCondition(template: QueryTemplateBody, extra: readonly QueryGroup[] = []): SQL {
  const base = combine(
    template.logic,
    template.groups.map((g) => groupCondition(g)),
    TRUE,
  );
  if (extra.length === 0) return base;
  return combine("and", [base, ...extra.map((g) => groupCondition(g))], TRUE);
}

export function groupCondition(group: QueryGroup): SQL {
  // checkTemplate refuses empty groups; were one to slip through, it matches nothing
  return combine(group.logic, group.blocks.map(blockCondition), FALSE);
}

function combine(logic: Logic, parts: SQL[], empty: SQL): SQL {
  if (parts.length === 0) return empty;
  if (parts.length === 1) return parts[0]!;
  return sql`(${sql.join(parts, logic === "and" ? sql` and ` : sql` or `)})`;
}

export function blockCondition(block: QueryBlock): SQL {
  switch (block.type) {
    case "device":
      return deviceCondition(block);
    case "nodeLabel":
      return labelCondition(block);
    case "taint":
      return taintCondition(block);
    default:
      throw unsupported(block);
  }
}

function unsupported(block: QueryBlock): AppError {
  return new AppError("internal", `query block ${JSON.stringify(block)} cannot be compiled`);
}

const list = (parts: SQL[]) => sql.join(parts, sql`, `);
const strings = (value: unknown): string[] => (value as unknown[]).map((v) => String(v));
const numbers = (value: unknown): number[] => (value as unknown[]).map((v) => Number(v));

const NUMBER_COLUMNS = {
  cpuCores: machines.cpuCores,
  memoryBytes: machines.memoryBytes,
  gpuCount: machines.gpuCount,
} as const;

const STRING_COLUMNS = {
  gpuType: machines.gpuType,
  region: machines.region,
  zone: machines.zone,
  rack: machines.rack,
  hostname: machines.hostname,
  osImage: machines.osImage,
  kernelVersion: machines.kernelVersion,
  kubeletVersion: machines.kubeletVersion,
  status: machines.status,
} as const;

function deviceCondition(block: QueryBlock): SQL {
  const field = block.key as DeviceField;
  switch (DEVICE_FIELD_KINDS[field]) {
    case "number":
      return numberCondition(block, NUMBER_COLUMNS[field as keyof typeof NUMBER_COLUMNS]);
    case "tags":
      return tagsCondition(block);
    case "string":
      return field === "ip"
        ? ipCondition(block)
        : textCondition(block, STRING_COLUMNS[field as keyof typeof STRING_COLUMNS]);
    default:
      throw unsupported(block);
  }
}

/** Number columns are NOT NULL; values are compared as numeric, so 2.5 is a fine bound for an integer. */
function numberCondition(block: QueryBlock, column: SQLWrapper): SQL {
  const n = (v: unknown) => sql`${Number(v)}::numeric`;
  switch (block.operator) {
    case "eq":
      return sql`${column} = ${n(block.value)}`;
    case "ne":
      return sql`${column} <> ${n(block.value)}`;
    case "gt":
      return sql`${column} > ${n(block.value)}`;
    case "gte":
      return sql`${column} >= ${n(block.value)}`;
    case "lt":
      return sql`${column} < ${n(block.value)}`;
    case "lte":
      return sql`${column} <= ${n(block.value)}`;
    case "in":
      return sql`${column} in (${list(numbers(block.value).map(n))})`;
    case "notin":
      return sql`${column} not in (${list(numbers(block.value).map(n))})`;
    case "exists":
      return TRUE;
    case "notexists":
      return FALSE;
    default:
      throw unsupported(block);
  }
}

/** A text expression that may be NULL (the field is missing). */
function textCondition(block: QueryBlock, text: SQLWrapper): SQL {
  const t = (v: unknown) => sql`${String(v)}::text`;
  switch (block.operator) {
    case "eq":
      return sql`(${text} is not distinct from ${t(block.value)})`;
    case "ne":
      return sql`(${text} is distinct from ${t(block.value)})`;
    case "in":
      return sql`coalesce(${text} in (${list(strings(block.value).map(t))}), false)`;
    case "notin":
      return sql`not coalesce(${text} in (${list(strings(block.value).map(t))}), false)`;
    case "contains":
      return containsText(text, String(block.value));
    case "exists":
      return sql`(${text} is not null)`;
    case "notexists":
      return sql`(${text} is null)`;
    default:
      throw unsupported(block);
  }
}

/** A case-sensitive substring test: strpos, so `%`, `_` and `\` are plain characters. */
function containsText(text: SQLWrapper, needle: string): SQL {
  return sql`coalesce(strpos(${text}, ${needle}::text) > 0, false)`;
}

/** Addresses compare as inet values; `contains` searches the text the API shows. */
function ipCondition(block: QueryBlock): SQL {
  const address = (v: unknown) => sql`${canonicalIp(String(v)) ?? String(v)}::inet`;
  const ip = machines.ip;
  switch (block.operator) {
    case "eq":
      return sql`(${ip} is not distinct from ${address(block.value)})`;
    case "ne":
      return sql`(${ip} is distinct from ${address(block.value)})`;
    case "in":
      return sql`coalesce(${ip} in (${list(strings(block.value).map(address))}), false)`;
    case "notin":
      return sql`not coalesce(${ip} in (${list(strings(block.value).map(address))}), false)`;
    case "contains":
      return containsText(sql`host(${ip})`, String(block.value));
    case "exists":
      return sql`(${ip} is not null)`;
    case "notexists":
      return sql`(${ip} is null)`;
    default:
      throw unsupported(block);
  }
}

/** Tags are a jsonb array of strings: `?|` and `@>` test membership. */
function tagsCondition(block: QueryBlock): SQL {
  const tags = machines.tags;
  const anyOf = (values: string[]) => sql`(${tags} ?| array[${list(values.map((v) => sql`${v}::text`))}])`;
  switch (block.operator) {
    case "contains":
      return sql`(${tags} @> ${JSON.stringify([String(block.value)])}::jsonb)`;
    case "in":
      return anyOf(strings(block.value));
    case "notin":
      return sql`not ${anyOf(strings(block.value))}`;
    case "exists":
      return sql`(${tags} <> '[]'::jsonb)`;
    case "notexists":
      return sql`(${tags} = '[]'::jsonb)`;
    default:
      throw unsupported(block);
  }
}

/** A label is present when its key is; its value is compared through containment. */
function labelCondition(block: QueryBlock): SQL {
  const labels = machines.labels;
  const key = block.key;
  const pair = (v: unknown) => sql`(${labels} @> ${JSON.stringify({ [key]: String(v) })}::jsonb)`;
  const anyOf = (values: string[]) =>
    values.length === 1 ? pair(values[0]) : sql`(${sql.join(values.map(pair), sql` or `)})`;
  switch (block.operator) {
    case "eq":
      return pair(block.value);
    case "ne":
      return sql`not ${pair(block.value)}`;
    case "in":
      return anyOf(strings(block.value));
    case "notin":
      return sql`not ${anyOf(strings(block.value))}`;
    case "contains":
      return containsText(sql`(${labels} ->> ${key}::text)`, String(block.value));
    case "exists":
      return sql`(${labels} ? ${key}::text)`;
    case "notexists":
      return sql`not (${labels} ? ${key}::text)`;
    default:
      throw unsupported(block);
  }
}

/** Taints are a jsonb array of {key, value?, effect}: containment finds a taint with the key (and value). */
function taintCondition(block: QueryBlock): SQL {
  const taints = machines.taints;
  const key = block.key;
  const having = (value?: unknown) =>
    sql`(${taints} @> ${JSON.stringify([value === undefined || value === null ? { key } : { key, value: String(value) }])}::jsonb)`;
  const anyOf = (values: string[]) =>
    values.length === 1
      ? having(values[0])
      : sql`(${sql.join(
          values.map((v) => having(v)),
          sql` or `,
        )})`;
  switch (block.operator) {
    case "exists":
      return having(block.value);
    case "notexists":
      return sql`not ${having(block.value)}`;
    case "eq":
      return having(block.value);
    case "ne":
      return sql`not ${having(block.value)}`;
    case "in":
      return anyOf(strings(block.value));
    case "notin":
      return sql`not ${anyOf(strings(block.value))}`;
    case "contains":
      return sql`exists (select 1 from jsonb_array_elements(${taints}) as taint(t) where t ->> 'key' = ${key}::text and strpos(t ->> 'value', ${String(block.value)}::text) > 0)`;
    default:
      throw unsupported(block);
  }
}
