/**
 * A small, strict RFC 4180 reader: comma-separated fields, CRLF or LF line
 * ends, double-quoted fields that may hold commas, quotes ("") and line
 * breaks. A leading byte-order mark is dropped and blank lines are ignored.
 * Anything RFC 4180 forbids (a quote inside an unquoted field, text after a
 * closing quote, an unterminated quote) is an error naming the line, because
 * guessing would silently import the wrong values.
 */
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
const COMMA = 44;
const LF = 10;
const CR = 13;

function malformed(line: number, message: string): AppError {
  return new AppError("validation_failed", `CSV line ${line}: ${message}`, { line });
}

/**
 * Splits the text into records. `maxRows` bounds the records after the first
 * (the header), so hostile input cannot make us hold an unbounded list.
 */
export function readCsvRecords(input: string, maxRows: number): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;
  // whether the current record has a quoted cell, so `""` alone is not a blank line
  let quotedInRecord = false;

  const endRecord = () => {
    const blank = !quotedInRecord && cells.every((cell) => cell === "");
    if (!blank) {
      if (records.length > maxRows) {
        throw new AppError("validation_failed", `the file has more than ${maxRows} rows`, { maxRows });
      }
      records.push({ line: recordLine, cells });
    }
    cells = [];
    quotedInRecord = false;
  };

  while (i <= text.length) {
    if (i === text.length) {
      // the last record, unless the file ended with a line break
      if (cells.length > 0) endRecord();
      break;
    }
    let cell: string;
    if (text.charCodeAt(i) === QUOTE) {
      quotedInRecord = true;
      const startLine = line;
      let value = "";
      let from = i + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close === -1) throw malformed(startLine, "a quoted field is never closed");
        value += text.slice(from, close);
        line += countLineBreaks(text, from, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += '"';
          from = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      const after = text.charCodeAt(i);
      if (i < text.length && after !== COMMA && after !== LF && after !== CR) {
        throw malformed(line, "unexpected text after a closing quote");
      }
      cell = value;
    } else {
      let end = i;
      while (end < text.length) {
        const code = text.charCodeAt(end);
        if (code === COMMA || code === LF || code === CR) break;
        if (code === QUOTE)
          throw malformed(line, 'a quote (") inside an unquoted field; quote the whole field');
        end++;
      }
      // spaces around unquoted cells are almost always alignment, never data
      cell = text.slice(i, end).trim();
      i = end;
    }
    cells.push(cell);

    const code = text.charCodeAt(i);
    if (code === COMMA) {
      i++;
      // a trailing comma at the end of the text still opens one (empty) last cell
      if (i === text.length) cells.push("");
    } else if (code === CR || code === LF) {
      i += code === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      endRecord();
      line++;
      recordLine = line;
    }
  }
  return records;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const code = text.charCodeAt(k);
    if (code === LF) count++;
    else if (code === CR && text.charCodeAt(k + 1) !== LF) count++;
  }
  return count;
}

/** The first non-blank record is the header; the rest are data records. */
export function parseCsv(input: string, maxRows: number): CsvDocument {
  const [header, ...records] = readCsvRecords(input, maxRows);
  if (!header) throw new AppError("validation_failed", "the CSV file is empty; it needs a header row");
  return { header, records };
}
