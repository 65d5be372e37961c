/**
 * Everything `ksp` prints goes through here: tables (cli-table3) for people;
 * JSON, YAML and `kind/name` lines for scripts; one-line errors in the same
 * shape for every command.
 */
import Table from "cli-table3";
import { stringify as toYaml } from "yaml";
import type { ErrorEnvelope } from "../proto/error-codes.ts";

export const OUTPUT_FORMATS = ["table", "wide", "json", "yaml", "name"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where the CLI writes; the real one is process.stdout/stderr, tests collect strings. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** No borders, two spaces between columns, like kubectl. */
const BORDERLESS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

/** Left-aligned columns separated by two spaces; trailing blanks trimmed; `headers: null` prints none. */
export function renderTable(headers: readonly string[] | null, rows: readonly (readonly string[])[]): string {
  const table = new Table({
    ...(headers ? { head: [...headers] } : {}),
    chars: BORDERLESS,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0, compact: true },
  });
  // One line per row: a line break inside a cell would split the row.
  for (const row of rows) table.push(row.map(oneLine));
  if (table.length === 0 && !headers) return "";
  const lines = table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line, i, all) => line !== "" || i < all.length - 1);
  return `${lines.join("\n")}\n`;
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function renderYaml(value: unknown): string {
  // No line folding: values print as the API gave them, and parse back equal.
  return toYaml(value, { lineWidth: 0 });
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
export function columnHeader(key: string): string {
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

export type FieldList = readonly (readonly [label: string, value: unknown])[];

/**
 * `Label:  value` lines with the values aligned, like kubectl describe; values
 * one line each, `<none>` for an absent one.
 */
export function renderFields(fields: FieldList): string {
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

/** How long ago an ISO time was, kubectl's AGE column: `45s`, `12m`, `3h`, `9d`. */
export function formatAge(iso: string | null, now: number = Date.now()): string {
  if (!iso) return "<none>";
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 120 * 60) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
