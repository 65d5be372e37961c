import { getTableColumns, type Table } from "drizzle-orm";

/**
 * `db.execute(sql…)` answers each driver's own result object; the common `Db`
 * type only knows it as `unknown`. All three (pg, neon, PGlite) carry `rows`.
 */
export function resultRows<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * A row keyed by column name — from `select *` through `execute`, or as JSON
 * (`row_to_json` in a data-modifying CTE) — → the table's select type,
 * through each column's own driver mapping: snake_case names to keys,
 * timestamps to Date, bigint-as-number to number. Keys the table does not
 * have are dropped.
 */
export function tableRowFromJson<T extends Table>(
  table: T,
  json: Record<string, unknown>,
): T["$inferSelect"] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T["$inferSelect"];
}
