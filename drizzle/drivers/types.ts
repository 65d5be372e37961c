import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "../schema/index.ts";

export type DriverName = "pglite" | "node-postgres" | "neon";

/** The drizzle type all three drivers satisfy; services only ever see this. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database plus what is needed to describe and release it. */
export interface Database {
  db: Db;
  driver: DriverName;
  close(): Promise<void>;
  /** For logs and CLI output, e.g. "node-postgres (127.0.0.1:5432/ksp)"; never contains a password. */
  describe(): string;
}

/**
 * How the Neon driver reaches Postgres over WebSockets. Empty in Workers
 * talking to Neon itself; local dev and tests point it at a ws-to-TCP proxy.
 */
export interface NeonOptions {
  wsProxy?: string | ((host: string, port: number | string) => string);
  useSecureWebSocket?: boolean;
  pipelineTLS?: boolean;
  pipelineConnect?: false | "password";
  /** Needed on Node < 22, which has no global WebSocket (pass `ws`). */
  webSocketConstructor?: unknown;
}

export interface ConnectionOptions {
  /** Upper bound of pooled connections (node-postgres and neon). */
  maxConnections?: number;
  /**
   * node-postgres only: how many statement texts each connection may keep as
   * named prepared statements (0 = none, e.g. behind a transaction-mode
   * pooler that cannot keep them). See statement-cache.ts.
   */
  statementCacheSize?: number;
}
