/**
 * `db.execute(sql…)` answers each driver's own result object; the common `Db`
 * type only knows it as `unknown`. All three (pg, neon, PGlite) carry `rows`.
 */
export function resultRows<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
