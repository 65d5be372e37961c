/**
 * The metric names (and matcher labels) a PromQL expression selects, for the
 * tests that hold infra/ (alert rules, the Grafana dashboard) to the metrics
 * the code exports. No PromQL parser is installed; this tokenizer is enough
 * for the expressions we write, and its own test pins what it reads
 * (test/unit/infra/prometheus.test.ts).
 */
const FUNCTION_OR_KEYWORD = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan"]);
const LABEL_LISTS = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

/** The metric names a PromQL expression selects, each with the label names its matchers use. */
export function selectors(expr: string): { metric: string; labels: string[] }[] {
  const found: { metric: string; labels: string[] }[] = [];
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // string literals
    .replace(LABEL_LISTS, " ") // by (…), on (…), group_left (…): label names, not metrics
    .replace(/\[[^\]]*\]/g, " "); // range and subquery durations
  const token = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\}|\()?/g;
  for (const match of text.matchAll(token)) {
    const [, name, next] = match;
    if (next === "(" || FUNCTION_OR_KEYWORD.has(name!.toLowerCase())) continue; // a function or an operator
    // a duration after offset (30m) is a number followed by a unit: the tokenizer sees "m" after the digits
    const before = text.slice(0, match.index);
    if (/\d$/.test(before)) continue;
    const labels = next
      ? [...next.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!)
      : [];
    found.push({ metric: name!, labels });
  }
  return found;
}
