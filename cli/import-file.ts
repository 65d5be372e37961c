/**
 * `ksp machine import --file`: a machines file (CSV, JSON or YAML) cut into
 * chunks the API takes one request each, so thousands of rows show progress
 * and no request nears the API's limits (50,000 rows, KSP_MAX_IMPORT_BYTES).
 * JSON and YAML are parsed here and sent as JSON lists; CSV is split on
 * record boundaries (csv-parse, RFC 4180) and each chunk sent as CSV with the
 * header repeated, so the API reads the cells exactly as it would the whole
 * file. Each chunk remembers where its rows came from, so the rows the API
 * reports are renumbered to the file's: list position for JSON/YAML, the line
 * a record starts on for CSV.
 */
import { parse as parseCsv } from "csv-parse/sync";
import { parse as parseYaml } from "yaml";
import { usageError } from "./api.ts";

export const IMPORT_FORMATS = ["csv", "json", "yaml"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export type ImportChunk =
  | { format: "json"; rows: unknown[]; rowNumbers: number[] }
  | { format: "csv"; text: string; rowNumbers: number[]; chunkLines: number[] };

export function formatOfFile(path: string, explicit: string | undefined): ImportFormat {
  if (explicit !== undefined) {
    if (!(IMPORT_FORMATS as readonly string[]).includes(explicit)) {
      throw usageError(`--format: must be one of ${IMPORT_FORMATS.join(", ")}`);
    }
    return explicit as ImportFormat;
  }
  const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (extension === "csv") return "csv";
  if (extension === "json") return "json";
  if (extension === "yaml" || extension === "yml") return "yaml";
  throw usageError(`cannot tell the format of "${path}" from its extension; give --format csv|json|yaml`);
}

/** Line breaks in text, counting CRLF, LF and CR as one each (as the API numbers CSV lines). */
export function lineBreaks(text: string): number {
  return (text.match(/\r\n|\n|\r/g) ?? []).length;
}

function listOf(document: unknown, what: string): unknown[] {
  if (Array.isArray(document)) return document;
  if (
    typeof document === "object" &&
    document !== null &&
    Array.isArray((document as { machines?: unknown }).machines)
  ) {
    return (document as { machines: unknown[] }).machines;
  }
  throw usageError(`${what}: expected a list of machines, or "machines:" holding one`);
}

function chunkList(rows: unknown[], size: number): ImportChunk[] {
  const chunks: ImportChunk[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const slice = rows.slice(start, start + size);
    chunks.push({ format: "json", rows: slice, rowNumbers: slice.map((_, i) => start + i + 1) });
  }
  return chunks;
}

interface CsvInfo {
  /** UTF-8 bytes read up to the end of this record, its line end included. */
  bytes: number;
}

function chunkCsv(text: string, size: number, what: string): ImportChunk[] {
  const bytes = Buffer.from(text.replace(/^\uFEFF/, ""), "utf8");
  let records: { record: string[]; info: CsvInfo }[];
  try {
    records = parseCsv(bytes, {
      trim: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ["\r\n", "\n", "\r"],
    }) as unknown as { record: string[]; info: CsvInfo }[];
  } catch (err) {
    throw usageError(`${what}: not valid CSV (${err instanceof Error ? err.message : String(err)})`);
  }
  // Each record's text exactly as in the file (sliced by the byte offsets csv-parse reports), numbered
  // by the line it starts on; blank lines count but are no rows (as the API reads them).
  let line = 1;
  let start = 0;
  const numbered: { raw: string; line: number }[] = [];
  for (const { record, info } of records) {
    const raw = bytes.subarray(start, info.bytes).toString("utf8");
    start = info.bytes;
    const blank = record.every((cell) => cell === "") && !raw.includes('"');
    if (!blank) numbered.push({ raw: /[\r\n]$/.test(raw) ? raw : `${raw}\n`, line });
    line += lineBreaks(raw);
  }
  const [header, ...rows] = numbered;
  if (!header) throw usageError(`${what}: the CSV file is empty; it needs a header row`);
  const chunks: ImportChunk[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const slice = rows.slice(start, start + size);
    let chunkLine = 1 + lineBreaks(header.raw);
    const chunkLines = slice.map((row) => {
      const at = chunkLine;
      chunkLine += lineBreaks(row.raw);
      return at;
    });
    chunks.push({
      format: "csv",
      text: header.raw + slice.map((row) => row.raw).join(""),
      rowNumbers: slice.map((row) => row.line),
      chunkLines,
    });
  }
  return chunks;
}

/** The file's rows in chunks of at most `size`. */
export function chunkImportFile(
  text: string,
  format: ImportFormat,
  size: number,
  what: string,
): ImportChunk[] {
  if (format === "csv") return chunkCsv(text, size, what);
  let document: unknown;
  try {
    document = format === "json" ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 50 });
  } catch (err) {
    throw usageError(
      `${what}: not valid ${format.toUpperCase()} (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  return chunkList(listOf(document, what), size);
}

export function rowCount(chunks: readonly ImportChunk[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.rowNumbers.length, 0);
}

/** The file's row number for the row number the API reported for a chunk. */
export function fileRowOf(chunk: ImportChunk, reported: number): number {
  if (chunk.format === "json") return chunk.rowNumbers[reported - 1] ?? reported;
  const index = chunk.chunkLines.indexOf(reported);
  return index === -1 ? reported : (chunk.rowNumbers[index] ?? reported);
}
