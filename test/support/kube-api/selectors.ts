/**
 * Label and field selectors with the grammar and semantics of
 * k8s.io/apimachinery/pkg/labels and pkg/fields: `=`, `==`, `!=`, `in`,
 * `notin`, `key`, `!key`, `>`/`<` for labels; `=`, `==`, `!=` for fields.
 * `!=` and `notin` also match objects that lack the label, as upstream.
 */
import type { KubeObject, ResourceDef } from "./registry.ts";
import { errors } from "./status.ts";

export type Matcher = (obj: KubeObject) => boolean;

const KEY = String.raw`(?:[A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const VALUE = "(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?";
const EXISTS = new RegExp(`^(${KEY})$`);
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const NUMERIC = new RegExp(`^(${KEY})\\s*(>|<)\\s*(-?\\d+)$`);

type LabelTest = (labels: Record<string, string>) => boolean;

/** Splits on commas that are not inside `( … )`. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

function parseRequirement(req: string): LabelTest {
  let m = NOT_EXISTS.exec(req);
  if (m) {
    const key = m[1]!;
    return (l) => !(key in l);
  }
  m = EXISTS.exec(req);
  if (m) {
    const key = m[1]!;
    return (l) => key in l;
  }
  m = EQUALITY.exec(req);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    return op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  m = SET.exec(req);
  if (m) {
    const [, key, op, list] = m as unknown as [string, string, string, string];
    const values = new Set(list.split(",").map((v) => v.trim()));
    if ([...values].some((v) => !new RegExp(`^${VALUE}$`).test(v))) {
      throw errors.badRequest(`unable to parse requirement: invalid label value in: ${req}`);
    }
    return op === "in" ? (l) => key in l && values.has(l[key]!) : (l) => !(key in l) || !values.has(l[key]!);
  }
  m = NUMERIC.exec(req);
  if (m) {
    const [, key, op, num] = m as unknown as [string, string, string, string];
    const bound = Number(num);
    return (l) => {
      const v = l[key];
      if (v === undefined || !/^-?\d+$/.test(v)) return false;
      return op === ">" ? Number(v) > bound : Number(v) < bound;
    };
  }
  throw errors.badRequest(`unable to parse requirement: ${JSON.stringify(req)}`);
}

/** Parses a `labelSelector` query value; 400 BadRequest on bad syntax. Empty selects everything. */
export function parseLabelSelector(selector: string | null | undefined): Matcher {
  if (!selector?.trim()) return () => true;
  const tests = splitTopLevel(selector).map(parseRequirement);
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return tests.every((t) => t(labels));
  };
}

function unescapeFieldValue(value: string): string {
  return value.replace(/\\([\\,=])/g, "$1");
}

/** Parses a `fieldSelector` for one resource; unknown fields are 400 as upstream. */
export function parseFieldSelector(selector: string | null | undefined, def: ResourceDef): Matcher {
  if (!selector?.trim()) return () => true;
  const tests: Matcher[] = [];
  for (const raw of selector.split(/(?<!\\),/)) {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${raw}'`);
    const [, field, op, escaped] = m as unknown as [string, string, string, string];
    const value = unescapeFieldValue(escaped);
    const getter =
      field === "metadata.name"
        ? (o: KubeObject) => o.metadata.name ?? ""
        : field === "metadata.namespace"
          ? (o: KubeObject) => o.metadata.namespace ?? ""
          : def.fields[field];
    if (!getter) throw errors.badRequest(`field label not supported: ${field}`);
    tests.push(op === "!=" ? (o) => getter(o) !== value : (o) => getter(o) === value);
  }
  return (obj) => tests.every((t) => t(obj));
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Matches a structured selector (as in a PDB's spec.selector). A null selector
 * matches nothing; an empty one matches everything (policy/v1 semantics).
 */
export function matchesLabelSelectorObject(
  selector: LabelSelectorObject | null | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const expr of selector.matchExpressions ?? []) {
    const has = expr.key in labels;
    const inValues = has && (expr.values ?? []).includes(labels[expr.key]!);
    const ok =
      expr.operator === "In"
        ? inValues
        : expr.operator === "NotIn"
          ? !inValues
          : expr.operator === "Exists"
            ? has
            : expr.operator === "DoesNotExist"
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}
