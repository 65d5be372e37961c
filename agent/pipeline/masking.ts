/**
 * Secret masking for step output, error messages and logs. Two layers: the
 * literal values a pipeline declares secret (a step's `secrets` keys in the
 * host's `values`), and anything token-like (shared/mask-secrets.ts), so a
 * secret that turns up somewhere nobody declared it is still caught.
 */
import { MASK, maskSecrets } from "../../shared/mask-secrets.ts";
import type { Pipeline } from "./types.ts";

export interface SecretMasker {
  /** declared secrets and token-like strings */
  mask(text: string): string;
  /** declared secrets only (output-tail.ts masks tokens in a separate pass) */
  maskLiterals(text: string): string;
  /** length of the longest declared secret: how much output may hold an incomplete one */
  readonly longestSecret: number;
}

/**
 * Every string under any step's secret keys. The union over the whole
 * pipeline, because one step's secret can surface in another step's output.
 */
export function secretValues(pipeline: Pipeline, values: Readonly<Record<string, unknown>>): string[] {
  const keys = new Set(pipeline.tasks.flatMap((task) => task.steps.flatMap((step) => step.secrets ?? [])));
  const found = new Set<string>();
  for (const key of keys) collectStrings(values[key], found, 0);
  return [...found];
}

function collectStrings(value: unknown, into: Set<string>, depth: number): void {
  if (typeof value === "string") {
    const text = value;
    // An empty string would match everywhere; it hides nothing anyway.
    if (text.length > 0) into.add(text);
    // Secrets inside multi-line values (a PEM key) may be printed line by line.
    if (text.includes("\n"))
      for (const line of text.split("\n")) if (line.trim().length >= 8) into.add(line.trim());
    return;
  }
  if (depth > 6 || value === null || typeof value !== "object") return;
  for (const inner of Array.isArray(value) ? value : Object.values(value))
    collectStrings(inner, into, depth + 1);
}

/** Replaces every literal secret (longest first, so a secret containing another is masked whole), then tokens. */
export function createMasker(secrets: readonly string[]): SecretMasker {
  const literals = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const pattern = literals.length === 0 ? null : new RegExp(literals.map(escapeRegExp).join("|"), "g");
  const maskLiterals = (text: string) => (pattern === null ? text : text.replace(pattern, MASK));
  return {
    maskLiterals,
    mask: (text) => maskSecrets(maskLiterals(text)) as string,
    longestSecret: literals[0]?.length ?? 0,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
