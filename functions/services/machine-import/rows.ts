/**
 * From an uploaded document to numbered raw rows, whatever the format. JSON
 * and YAML hold a list of machines (bare, or under `machines`); a row's
 * number is its position in that list, from 1. CSV rows are numbered by the
 * line they start on (the header is usually line 1, so the first machine is
 * usually row 2), which is what a spreadsheet or editor shows.
 */
import { parseDocument } from "yaml";
import { AppError } from "../../lib/errors.ts";
import { parseCsv } from "./csv-records.ts";
import { type FieldKind, rowsOfCsv } from "./csv-rows.ts";
import type { RawRow } from "./raw-row.ts";

// still importable from here, where the plan, the report and the routes have always found them

export const IMPORT_FORMATS = ["json", "csv", "yaml"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The most machines one import may carry (a 16 MiB body holds roughly 100k CSV rows). */
export const MAX_IMPORT_ROWS = 50_000;

/**
 * How many aliases a YAML document may expand. Inventories have no use for
 * many; a "billion laughs" document needs thousands, so it fails fast.
 */
export const MAX_YAML_ALIASES = 50;

export type ImportDocument = { format: "json"; value: unknown } | { format: "csv" | "yaml"; text: string };

const MEDIA_TYPES: Readonly<Record<string, ImportFormat>> = {
  "application/json": "json",
  "text/csv": "csv",
  "application/yaml": "yaml",
  "application/x-yaml": "yaml",
  "text/yaml": "yaml",
};

/** The format a Content-Type names, or null when it is not one we read. */
export function importFormatOf(contentType: string | undefined): ImportFormat | null {
  const essence = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  return MEDIA_TYPES[essence] ?? null;
}

export const IMPORT_MEDIA_TYPES = Object.keys(MEDIA_TYPES);

function listOf(value: unknown, format: ImportFormat): unknown[] {
  const list =
    Array.isArray(value) || typeof value !== "object" || value === null
      ? value
      : (value as Record<string, unknown>).machines;
  if (!Array.isArray(list)) {
    throw new AppError(
      "validation_failed",
      `the ${format} document must be a list of machines or { machines: [...] }`,
    );
  }
  if (!Array.isArray(value)) {
    const extra = Object.keys(value as object).filter((key) => key !== "machines");
    if (extra.length > 0) {
      throw new AppError("validation_failed", `unknown top-level key(s): ${extra.join(", ")}`, {
        keys: extra,
      });
    }
  }
  if (list.length > MAX_IMPORT_ROWS) {
    throw new AppError("validation_failed", `the file has more than ${MAX_IMPORT_ROWS} rows`, {
      maxRows: MAX_IMPORT_ROWS,
    });
  }
  return list;
}

/** Parses YAML with aliases bounded; syntax errors name their line. */
export function parseYaml(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = doc.errors;
  if (first) {
    const line = first.linePos?.[0]?.line;
    throw new AppError("validation_failed", `YAML: ${first.message.split("\n")[0]}`, line ? { line } : {});
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // the yaml package throws a ReferenceError for alias expansion beyond the limit
    throw new AppError("validation_failed", `YAML: ${err instanceof Error ? err.message : String(err)}`, {
      maxAliasCount: MAX_YAML_ALIASES,
    });
  }
}

/** Every row of the document, numbered as the user sees them. */
export function readRows(document: ImportDocument, kinds: Map<string, FieldKind>): RawRow[] {
  if (document.format === "csv") return rowsOfCsv(parseCsv(document.text, MAX_IMPORT_ROWS), kinds);
  const value = document.format === "json" ? document.value : parseYaml(document.text);
  return listOf(value, document.format).map((item, index) => ({ row: index + 1, value: item, problems: [] }));
}
