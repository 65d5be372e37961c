/**
 * A row of an uploaded document as the readers hand it on (rows.ts for every
 * format, csv-rows.ts for CSV cells), before schema validation, and the field
 * errors found in it. In a file of their own so the readers and everything
 * after them (plan, report) depend on them without depending on each other.
 */

export interface FieldError {
  /** dotted path of the input field; "" for the row as a whole */
  field: string;
  message: string;
}

export interface RawRow {
  row: number;
  value: unknown;
  /** problems found while reading the row (CSV cells), before schema validation */
  problems: FieldError[];
}
