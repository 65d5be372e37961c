/**
 * Hot statements are built per request, and drizzle re-walks every chunk of
 * a `sql` tree (tables, columns, nested fragments) each time it renders one.
 * A fragment with no parameters renders to the same text every time, so
 * render it once, at module load, and embed the text: building the statement
 * then costs a handful of chunks instead of hundreds.
 */
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

const dialect = new PgDialect();

export function renderOnce(fragment: SQL): SQL {
  const { sql: text, params } = dialect.sqlToQuery(fragment);
  if (params.length > 0) throw new Error(`renderOnce: fragment has ${params.length} parameter(s): ${text}`);
  return sql.raw(text);
}
