import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "../schema/index.ts";
import { describeTarget, parsePostgresUrl, verifyReachable } from "./connection-url.ts";
import { DEFAULT_STATEMENT_CACHE_SIZE, installStatementCache } from "./statement-cache.ts";
import type { ConnectionOptions, Database, Db } from "./types.ts";

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A `pg` Pool, checked with `select 1` so a wrong URL fails at startup, not
 * at the first request. Its connections prepare repeated statements
 * (statement-cache.ts) unless `statementCacheSize` is 0.
 */
export async function openNodePostgres(url: string, options: ConnectionOptions = {}): Promise<Database> {
  const target = parsePostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  installStatementCache(pool, options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE);
  await verifyReachable(pool, url, target);
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  return {
    db,
    driver: "node-postgres",
    close: () => pool.end(),
    describe: () => `node-postgres (${describeTarget(target)})`,
  };
}
