/**
 * Everything `ksp` prints goes through here: tables for people, JSON for
 * scripts, and one-line errors in the same shape for every command.
 */
import type { ErrorEnvelope } from "../proto/error-codes.ts";

export type OutputFormat = "table" | "json";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["table", "json"];

/** Where the CLI writes; the real one is process.stdout/stderr, tests collect strings. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Left-aligned columns separated by two spaces, like kubectl. Trailing blanks are trimmed. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join("\n")}\n`;
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

export function isErrorEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== "object" || body === null) return false;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as Record<string, unknown>;
  return typeof code === "string" && typeof message === "string";
}

/** `error: not_found: cluster "x" not found (request 123)`. */
export function formatErrorEnvelope(envelope: ErrorEnvelope): string {
  const { code, message, requestId } = envelope.error;
  const request = typeof requestId === "string" && requestId !== "" ? ` (request ${oneLine(requestId)})` : "";
  return `error: ${oneLine(code)}: ${oneLine(message)}${request}`;
}

export function formatError(message: string): string {
  return `error: ${oneLine(message)}`;
}

/** `clusterId` → `CLUSTER ID`, as kubectl heads its columns. */
function columnHeader(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toUpperCase();
}

/** A cell: text as it is (on one line), null and absent as empty, anything else as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return oneLine(typeof value === "string" ? value : JSON.stringify(value));
}

/**
 * The resources an ambiguous name matched (a 409's `details.candidates`), one
 * row each, with whatever columns the API gave: id and name first.
 */
export function renderCandidates(candidates: readonly Record<string, unknown>[], truncated: boolean): string {
  const keys = [...new Set(["id", "name", ...candidates.flatMap((candidate) => Object.keys(candidate))])];
  const columns = keys.filter((key) => candidates.some((candidate) => candidate[key] !== undefined));
  const rows = candidates.map((candidate) => columns.map((key) => cellText(candidate[key])));
  const more = truncated ? "(more match; only these are listed)\n" : "";
  return `candidates:\n${renderTable(columns.map(columnHeader), rows)}${more}`;
}

/**
 * `Label:  value` lines with the values aligned, like kubectl describe; values
 * one line each, `<none>` for an absent one.
 */
export function renderFields(fields: readonly (readonly [label: string, value: unknown])[]): string {
  const width = Math.max(...fields.map(([label]) => label.length + 1));
  const shown = (value: unknown) => (value === null || value === undefined ? "<none>" : cellText(value));
  const lines = fields.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${shown(value)}`.trimEnd());
  return `${lines.join("\n")}\n`;
}

/** `a=1,b=2`, the way kubectl prints labels; `<none>` when there are none. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? "<none>" : entries.map(([key, value]) => `${key}=${value}`).join(",");
}

/** 17179869184 → `16 GiB`: binary units, at most one decimal. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
