/**
 * Named prepared statements on `pg` connections, the way postgres.js and pgx
 * do it by default: a statement text a connection has run before is sent as
 * a named statement, so Postgres parses it once per connection and can reuse
 * a generic plan instead of planning every call. The reservation statement
 * alone costs more to plan than to run (EXPLAIN: ~0.8 ms planning, ~1.2 ms
 * execution), and it is the hottest write the control plane has.
 *
 * drizzle has no API for naming raw SQL, so the cache sits under it, on each
 * pooled client's `query`. Per connection:
 * - only parameterised statements are named (BEGIN, COMMIT and the like stay
 *   on the simple protocol);
 * - a text is named on its second use, so one-off texts (an unusual list
 *   filter, a migration) never take a slot;
 * - at most `capacity` texts are named; later ones run unnamed. Nothing is
 *   evicted: `pg` cannot forget a statement it has parsed without a round
 *   trip, and the hot set is small and found early;
 * - Postgres refusing a named statement (it no longer exists, e.g. behind a
 *   transaction-mode pooler, or a schema change altered its result type)
 *   fails that one call and retires the name, so the next call parses the
 *   text afresh under a new name.
 */
import type pg from "pg";

export const DEFAULT_STATEMENT_CACHE_SIZE = 256;

/** SQLSTATEs that mean "this connection's prepared statement is unusable". */
const STALE_STATEMENT_CODES = new Set([
  "26000", // invalid_sql_statement_name: prepared statement does not exist
  "0A000", // feature_not_supported: cached plan must not change result type
]);

/** How many distinct texts a connection remembers while waiting for their second use. */
const SEEN_LIMIT = 1024;

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

interface QueryConfigLike {
  text: string;
  name?: string;
  values?: unknown[];
  submit?: unknown;
}

/** Installs the cache on every connection the pool opens; capacity 0 leaves the pool untouched. */
export function installStatementCache(pool: pg.Pool, capacity: number): void {
  if (capacity <= 0) return;
  pool.on("connect", (client) => {
    const target = client as unknown as { query: QueryFn };
    target.query = cachingQuery(target.query.bind(client), capacity);
  });
}

function cachingQuery(query: QueryFn, capacity: number): QueryFn {
  const named = new Map<string, string>();
  const seen = new Set<string>();
  let counter = 0;

  const nameFor = (text: string): string | undefined => {
    const known = named.get(text);
    if (known !== undefined) return known;
    if (named.size >= capacity) return undefined;
    if (!seen.has(text)) {
      if (seen.size >= SEEN_LIMIT) seen.clear();
      seen.add(text);
      return undefined;
    }
    seen.delete(text);
    const name = `ksp_${++counter}`;
    named.set(text, name);
    return name;
  };
  const retire = (text: string, name: string, error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && STALE_STATEMENT_CODES.has(code) && named.get(text) === name) {
      named.delete(text);
      seen.add(text); // it was hot: the next call prepares it again
    }
  };

  return (config, valuesOrCallback, maybeCallback) => {
    // pg also accepts query(config, callback)
    const [values, callback] =
      typeof valuesOrCallback === "function"
        ? [undefined, valuesOrCallback]
        : [valuesOrCallback, maybeCallback];
    const cfg = typeof config === "string" ? { text: config } : (config as QueryConfigLike);
    const params = Array.isArray(values) ? values : cfg?.values;
    const eligible =
      cfg !== null &&
      typeof cfg === "object" &&
      typeof cfg.text === "string" &&
      cfg.name === undefined &&
      cfg.submit === undefined &&
      Array.isArray(params) &&
      params.length > 0;
    const name = eligible ? nameFor(cfg.text) : undefined;
    if (name === undefined) return query(config, valuesOrCallback, maybeCallback);
    const namedConfig = { ...cfg, name };
    if (typeof callback === "function") {
      return query(namedConfig, values, (error: unknown, result: unknown) => {
        if (error) retire(cfg.text, name, error);
        (callback as (e: unknown, r: unknown) => void)(error, result);
      });
    }
    return (query(namedConfig, values) as Promise<unknown>).catch((error: unknown) => {
      retire(cfg.text, name, error);
      throw error;
    });
  };
}
