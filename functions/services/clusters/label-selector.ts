/**
 * Kubernetes label selectors (`env=prod,tier!=db,gpu,!legacy,zone in (a,b)`)
 * parsed into requirements and turned into SQL over a jsonb labels column.
 * As in Kubernetes, `!=` and `notin` also match objects without the key.
 */
import { type AnyColumn, and, type SQL, sql } from "drizzle-orm";
import { AppError } from "../../lib/errors.ts";

export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

const KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const MAX_REQUIREMENTS = 20;
const MAX_SET_VALUES = 50;

const invalid = (selector: string, why: string) =>
  new AppError("validation_failed", `labelSelector is not valid: ${why}`, { labelSelector: selector });

/** Splits on commas that are not inside `( … )`. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts.map((p) => p.trim());
}

function parseOne(selector: string, part: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
  if (set) {
    const [, key = "", op, list = ""] = set;
    const values = list.split(",").map((v) => v.trim());
    if (values.length > MAX_SET_VALUES) throw invalid(selector, `at most ${MAX_SET_VALUES} values in a set`);
    for (const v of values) if (!VALUE.test(v)) throw invalid(selector, `bad value "${v}"`);
    return checkedKey(selector, { key, op: op as "in" | "notin", values });
  }
  const compare = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (compare) {
    const [, key = "", op, value = ""] = compare;
    if (!VALUE.test(value)) throw invalid(selector, `bad value "${value}"`);
    return checkedKey(selector, { key, op: op === "!=" ? "!=" : "=", value });
  }
  if (part.startsWith("!")) return checkedKey(selector, { key: part.slice(1).trim(), op: "!exists" });
  return checkedKey(selector, { key: part, op: "exists" });
}

function checkedKey<R extends Requirement>(selector: string, requirement: R): R {
  if (!KEY.test(requirement.key)) throw invalid(selector, `bad key "${requirement.key}"`);
  return requirement;
}

export function parseLabelSelector(selector: string): Requirement[] {
  if (selector.trim() === "") return [];
  const parts = splitTopLevel(selector);
  if (parts.length > MAX_REQUIREMENTS) throw invalid(selector, `at most ${MAX_REQUIREMENTS} requirements`);
  return parts.map((part) => {
    if (part === "") throw invalid(selector, "empty requirement");
    return parseOne(selector, part);
  });
}

function requirementSql(labels: AnyColumn, r: Requirement): SQL {
  const value = sql`(${labels} ->> ${r.key})`;
  switch (r.op) {
    case "=":
      return sql`${value} = ${r.value}`;
    case "!=":
      return sql`${value} is distinct from ${r.value}`;
    case "in":
      return sql`${value} in (${sql.join(
        r.values.map((v) => sql`${v}`),
        sql`, `,
      )})`;
    case "notin":
      return sql`(${value} is null or ${value} not in (${sql.join(
        r.values.map((v) => sql`${v}`),
        sql`, `,
      )}))`;
    case "exists":
      return sql`${value} is not null`;
    case "!exists":
      return sql`${value} is null`;
  }
}

/** A WHERE condition for the requirements over a jsonb labels column; undefined when there are none. */
export function labelSelectorSql(labels: AnyColumn, requirements: readonly Requirement[]): SQL | undefined {
  if (requirements.length === 0) return undefined;
  return and(...requirements.map((r) => requirementSql(labels, r)));
}
