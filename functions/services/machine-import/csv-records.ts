/**
 * CSV text to records, numbered by the line each starts on (what a
 * spreadsheet or editor shows). csv-parse reads RFC 4180: comma-separated
 * fields, CRLF, LF or CR line ends (mixed too), double-quoted fields that may
 * hold commas, quotes ("") and line breaks; a leading byte-order mark is
 * dropped, and spaces around fields are alignment, never data. What RFC 4180
 * forbids (a quote inside an unquoted field, text after a closing quote, an
 * unterminated quote) is an error naming its line, because guessing would
 * silently import the wrong values. Blank lines are skipped.
 *
 * `csv-parse/sync` is plain JavaScript over a Buffer (no streams): it runs on
 * Node and on Workers (nodejs_compat) alike.
 */
import { CsvError, parse } from "csv-parse/sync";
import { AppError } from "../../lib/errors.ts";

export interface CsvRecord {
  /** 1-based line number in the file where the record starts */
  line: number;
  cells: string[];
}

export interface CsvDocument {
  header: CsvRecord;
  records: CsvRecord[];
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Follows csv-parse through the text: it reports positions as UTF-8 byte
 * offsets, and counts a CRLF inside a quoted field as two lines. This walks
 * the same text once, front to back, counting CRLF, LF and CR as one line
 * break each and noting whether a stretch held a quote (`""` is a record, a
 * blank line is not).
 */
class TextPosition {
  private index = 0;
  private byte = 0;
  line = 1;

  constructor(private readonly text: string) {}

  /** Moves to the byte offset; true when the text passed holds a quote. */
  advanceTo(offset: number): boolean {
    const text = this.text;
    let quoted = false;
    while (this.byte < offset && this.index < text.length) {
      const code = text.charCodeAt(this.index);
      if (code === LF || (code === CR && text.charCodeAt(this.index + 1) !== LF)) this.line++;
      else if (code === QUOTE) quoted = true;
      this.index++;
      if (code < 0x80) this.byte += 1;
      else if (code < 0x800) this.byte += 2;
      else if (code >= 0xd800 && code < 0xdc00 && isLowSurrogate(text.charCodeAt(this.index))) {
        this.byte += 4; // a surrogate pair is one 4-byte character
        this.index++;
      } else this.byte += 3;
    }
    return quoted;
  }
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code < 0xe000;
}

const MESSAGES: Partial<Record<string, string>> = {
  INVALID_OPENING_QUOTE: 'a quote (") inside an unquoted field; quote the whole field',
  CSV_INVALID_CLOSING_QUOTE: "unexpected text after a closing quote",
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: "unexpected text after a closing quote",
  CSV_QUOTE_NOT_CLOSED: "a quoted field is never closed",
};

function malformed(line: number, message: string): AppError {
  return new AppError("validation_failed", `CSV line ${line}: ${message}`, { line });
}

/**
 * Splits the text into records. `maxRows` bounds the records after the first
 * (the header), so hostile input cannot make us hold an unbounded list.
 */
export function readCsvRecords(input: string, maxRows: number): CsvRecord[] {
  const records: CsvRecord[] = [];
  const position = new TextPosition(input);
  // where the record being read starts: the end of the last one csv-parse handed over
  let recordStart = 0;
  const keep = (cells: string[], context: { bytes: number }): null => {
    const line = position.line;
    const quoted = position.advanceTo(context.bytes);
    recordStart = context.bytes;
    if (!quoted && cells.every((cell) => cell === "")) return null;
    if (records.length > maxRows) {
      throw new AppError("validation_failed", `the file has more than ${maxRows} rows`, { maxRows });
    }
    records.push({ line, cells });
    return null; // kept here, numbered; csv-parse need not hold a second list
  };
  try {
    parse(input, {
      bom: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: false,
      // every line end, even mixed in one file: the first one found must not decide for the rest
      record_delimiter: ["\r\n", "\n", "\r"],
      on_record: keep,
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    // csv-parse points at the field it gave up on (for an unclosed quote, where it opened)
    position.advanceTo(Math.max(typeof err.bytes === "number" ? err.bytes : 0, recordStart));
    throw malformed(position.line, MESSAGES[err.code] ?? `not valid CSV (${err.code})`);
  }
  return records;
}

/** The first non-blank record is the header; the rest are data records. */
export function parseCsv(input: string, maxRows: number): CsvDocument {
  const [header, ...records] = readCsvRecords(input, maxRows);
  if (!header) throw new AppError("validation_failed", "the CSV file is empty; it needs a header row");
  return { header, records };
}
