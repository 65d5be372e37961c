/**
 * Kubernetes label selectors over a jsonb labels column:
 * `env=prod, tier!=db, gpu, !legacy, zone in (a,b), rack notin (r1)`.
 * The string is tokenised and parsed like `labels.Parse` in Kubernetes; any
 * deviation is a validation_failed error naming what is wrong. As in
 * Kubernetes, `!=` and `notin` also match objects without the key.
 *
 * The SQL uses jsonb containment (`@>`) and key existence (`?`) rather than
 * `->>` comparisons, so a GIN index on the column can answer the positive
 * requirements.
 */
import { type AnyColumn, and, not, or, type SQL, sql } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN } from "./label-syntax.ts";

export type LabelRequirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export const MAX_SELECTOR_REQUIREMENTS = 20;
export const MAX_SET_VALUES = 50;

type Token = { kind: "word"; text: string } | { kind: "op"; text: "!" | "=" | "==" | "!=" | "(" | ")" | "," };

const SPECIAL = new Set(["!", "=", "(", ")", ","]);
const isSpace = (ch: string) => ch === " " || ch === "\t" || ch === "\n" || ch === "\r";

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    const ch = selector[i]!;
    if (isSpace(ch)) {
      i++;
    } else if (ch === "!" || ch === "=") {
      const two = selector.slice(i, i + 2);
      if (two === "!=" || two === "==") {
        tokens.push({ kind: "op", text: two });
        i += 2;
      } else {
        tokens.push({ kind: "op", text: ch });
        i++;
      }
    } else if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ kind: "op", text: ch });
      i++;
    } else {
      let end = i;
      while (end < selector.length && !SPECIAL.has(selector[end]!) && !isSpace(selector[end]!)) end++;
      tokens.push({ kind: "word", text: selector.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly fail: (why: string) => AppError,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(): Token | undefined {
    return this.tokens[this.at++];
  }

  private isOp(token: Token | undefined, text: string): boolean {
    return token?.kind === "op" && token.text === text;
  }

  private key(): string {
    const token = this.next();
    if (token?.kind !== "word") throw this.fail(`expected a label key, found ${describe(token)}`);
    if (!LABEL_KEY_PATTERN.test(token.text)) throw this.fail(`"${token.text}" is not a valid label key`);
    return token.text;
  }

  /** A value may be empty: `a=` and `a in (x,)` are legal, as in Kubernetes. */
  private value(): string {
    const token = this.peek();
    if (token?.kind !== "word") return "";
    this.at++;
    if (!LABEL_VALUE_PATTERN.test(token.text)) throw this.fail(`"${token.text}" is not a valid label value`);
    return token.text;
  }

  private set(): string[] {
    if (!this.isOp(this.next(), "(")) throw this.fail("expected ( after in/notin");
    if (this.isOp(this.peek(), ")")) throw this.fail("the value set of in/notin cannot be empty");
    const values = [this.value()];
    while (this.isOp(this.peek(), ",")) {
      this.at++;
      values.push(this.value());
    }
    if (!this.isOp(this.next(), ")")) throw this.fail("expected , or ) in a value set");
    if (values.length > MAX_SET_VALUES) throw this.fail(`at most ${MAX_SET_VALUES} values in a set`);
    return values;
  }

  private requirement(): LabelRequirement {
    if (this.isOp(this.peek(), "!")) {
      this.at++;
      return { key: this.key(), op: "!exists" };
    }
    const key = this.key();
    const token = this.peek();
    if (token === undefined || this.isOp(token, ",")) return { key, op: "exists" };
    this.at++;
    if (token.kind === "word" && (token.text === "in" || token.text === "notin")) {
      return { key, op: token.text, values: this.set() };
    }
    if (this.isOp(token, "=") || this.isOp(token, "==")) return { key, op: "=", value: this.value() };
    if (this.isOp(token, "!=")) return { key, op: "!=", value: this.value() };
    throw this.fail(`expected an operator after "${key}", found ${describe(token)}`);
  }

  parse(): LabelRequirement[] {
    const requirements = [this.requirement()];
    while (this.peek() !== undefined) {
      if (!this.isOp(this.next(), ",")) throw this.fail(`expected , between requirements`);
      requirements.push(this.requirement());
      if (requirements.length > MAX_SELECTOR_REQUIREMENTS) {
        throw this.fail(`at most ${MAX_SELECTOR_REQUIREMENTS} requirements`);
      }
    }
    return requirements;
  }
}

function describe(token: Token | undefined): string {
  return token === undefined ? "the end" : `"${token.text}"`;
}

/**
 * The requirements of a selector; throws validation_failed when it is not one.
 * A blank selector selects everything, as in Kubernetes.
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  const fail = (why: string) =>
    new AppError("validation_failed", `labelSelector is not valid: ${why}`, { labelSelector: selector });
  const tokens = tokenize(selector);
  return tokens.length === 0 ? [] : new Parser(tokens, fail).parse();
}

const containsPair = (labels: AnyColumn, key: string, value: string): SQL =>
  sql`${labels} @> ${JSON.stringify({ [key]: value })}::jsonb`;

function requirementSql(labels: AnyColumn, r: LabelRequirement): SQL {
  switch (r.op) {
    case "=":
      return containsPair(labels, r.key, r.value);
    case "!=":
      return not(containsPair(labels, r.key, r.value));
    case "in":
      return or(...r.values.map((v) => containsPair(labels, r.key, v)))!;
    case "notin":
      return not(or(...r.values.map((v) => containsPair(labels, r.key, v)))!);
    case "exists":
      return sql`${labels} ? ${r.key}`;
    case "!exists":
      return not(sql`${labels} ? ${r.key}`);
  }
}

/** One WHERE condition matching every requirement; undefined when there are none. */
export function labelSelectorCondition(
  labels: AnyColumn,
  requirements: readonly LabelRequirement[],
): SQL | undefined {
  if (requirements.length === 0) return undefined;
  return and(...requirements.map((r) => requirementSql(labels, r)));
}
