/**
 * CSV cells are text; the machine schema wants numbers, label maps and tag
 * lists. The header names the input fields; each cell is converted by the
 * kind of its field (the HTTP layer reads the kinds from the shared zod
 * schema, so a new field works without touching this file). Empty cells mean "not given". A cell that
 * cannot be converted becomes a field error of that row, never a guess.
 */
import { AppError } from "../../lib/errors.ts";
import type { CsvDocument } from "./csv-records.ts";
import type { FieldError, RawRow } from "./raw-row.ts";

export type FieldKind = "string" | "number" | "boolean" | "labels" | "list" | "other";

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** `k=v;k2=v2` → { k: "v", k2: "v2" }; an item without "=" is an error. */
export function parseLabelCell(cell: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const item of cell.split(";")) {
    const pair = item.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) return `"${pair}" is not key=value; write labels as k=v;k2=v2`;
    const key = pair.slice(0, eq).trim();
    if (Object.hasOwn(labels, key)) return `label "${key}" is given twice`;
    labels[key] = pair.slice(eq + 1).trim();
  }
  return labels;
}

/** `a;b` → ["a", "b"]; empty items are dropped. */
export function parseListCell(cell: string): string[] {
  return cell
    .split(";")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function convertCell(kind: FieldKind, cell: string): { value: unknown } | { error: string } {
  switch (kind) {
    case "number":
      return NUMBER.test(cell) ? { value: Number(cell) } : { error: `"${cell}" is not a number` };
    case "boolean":
      if (/^(true|false)$/i.test(cell)) return { value: cell.toLowerCase() === "true" };
      return { error: `"${cell}" is not true or false` };
    case "labels": {
      const labels = parseLabelCell(cell);
      return typeof labels === "string" ? { error: labels } : { value: labels };
    }
    case "list":
      return { value: parseListCell(cell) };
    case "string":
      return { value: cell };
    case "other":
      return { error: "this field cannot be given in CSV; use JSON or YAML" };
  }
}

/** Checks the header against the schema's fields; problems there concern the whole file. */
function columnsOf(doc: CsvDocument, kinds: Map<string, FieldKind>): string[] {
  const columns = doc.header.cells.map((cell) => cell.trim());
  const unknown = columns.filter((name) => !kinds.has(name));
  if (unknown.length > 0) {
    throw new AppError("validation_failed", `unknown CSV column(s): ${unknown.join(", ")}`, {
      line: doc.header.line,
      unknownColumns: unknown,
      knownColumns: [...kinds.keys()],
    });
  }
  const repeated = columns.filter((name, index) => columns.indexOf(name) !== index);
  if (repeated.length > 0) {
    throw new AppError("validation_failed", `repeated CSV column(s): ${repeated.join(", ")}`, {
      line: doc.header.line,
      repeatedColumns: repeated,
    });
  }
  return columns;
}

/** One raw row per data record, numbered by the line it starts on. */
export function rowsOfCsv(doc: CsvDocument, kinds: Map<string, FieldKind>): RawRow[] {
  const columns = columnsOf(doc, kinds);
  return doc.records.map((record) => {
    const problems: FieldError[] = [];
    const value: Record<string, unknown> = {};
    if (record.cells.length !== columns.length) {
      problems.push({
        field: "",
        message: `the row has ${record.cells.length} cells but the header has ${columns.length}`,
      });
    }
    columns.forEach((name, index) => {
      const cell = record.cells[index];
      if (cell === undefined || cell === "") return;
      const converted = convertCell(kinds.get(name)!, cell);
      if ("error" in converted) problems.push({ field: name, message: converted.error });
      else value[name] = converted.value;
    });
    return { row: record.line, value, problems };
  });
}
