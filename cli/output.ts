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
