/**
 * A migrated database on each of the three drivers, so the same test body can
 * run on all of them: PGlite in memory, node-postgres on a fresh database, and
 * Neon's serverless Pool reaching a fresh database through the local proxy.
 */
import pg from "pg";
import type { Database, DriverName } from "../../drizzle/client.ts";
import { openNeon } from "../../drizzle/drivers/neon.ts";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import { openPglite, PGLITE_IN_MEMORY } from "../../drizzle/drivers/pglite.ts";
import { migrateDatabase } from "../../drizzle/migrate.ts";
import { startNeonProxy } from "./neon-proxy.ts";
import { createTestDatabase, requirePostgres } from "./postgres.ts";
import { recordUsage } from "./usage.ts";

export const ALL_DRIVERS: readonly DriverName[] = ["pglite", "node-postgres", "neon"];

export interface TestDatabaseHandle extends Database {
  /** closes the connections, then drops the database and stops the proxy */
  teardown(): Promise<void>;
}

/** Whether `driver` can run here; Postgres-backed drivers need the server (CI=true: missing is a failure). */
export async function driverAvailable(driver: DriverName): Promise<boolean> {
  return driver === "pglite" ? true : requirePostgres();
}

export async function openTestDatabaseOn(
  driver: DriverName,
  opts: { maxConnections?: number } = {},
): Promise<TestDatabaseHandle> {
  recordUsage("driver", driver);
  if (driver === "pglite") {
    const database = await openPglite(PGLITE_IN_MEMORY);
    await migrateDatabase(database);
    return { ...database, teardown: () => database.close() };
  }
  const fresh = await createTestDatabase();
  try {
    if (driver === "node-postgres") {
      const database = await openNodePostgres(fresh.url, opts);
      return { ...database, teardown: () => closeThen(database, fresh.drop) };
    }
    const proxy = await startNeonProxy();
    const database = await openNeon(fresh.url, proxy.neonOptions, { ...opts, verify: true }).catch(
      async (err) => {
        await proxy.close();
        throw err;
      },
    );
    return { ...database, teardown: () => closeThen(database, () => proxy.close().then(fresh.drop)) };
  } catch (err) {
    await fresh.drop();
    throw err;
  }
}

async function closeThen(database: Database, after: () => Promise<void>): Promise<void> {
  try {
    await database.close();
  } finally {
    await after();
  }
}

/** Statements sent and connections opened by node-postgres clients since `countPostgresTraffic()`. */
export interface PostgresTrafficCounts {
  /** every `query` call on a connection: one statement, one round trip (BEGIN and COMMIT included) */
  queries: number;
  /** every connection a client opened (a pool opens one per client it adds) */
  connections: number;
}

export interface PostgresTraffic {
  counts(): PostgresTrafficCounts;
  /** puts node-postgres back as it was */
  stop(): void;
}

/**
 * Counts node-postgres traffic in this process (the fleet bench prices it). It wraps
 * `pg.Client.prototype` so it sees every pool and client, including the statement cache's
 * per-connection `query` (statement-cache.ts binds the prototype's at connect time): start it
 * BEFORE opening the databases to count. One counter at a time.
 */
export function countPostgresTraffic(): PostgresTraffic {
  const proto = pg.Client.prototype as unknown as {
    query: (...args: unknown[]) => unknown;
    connect: (...args: unknown[]) => unknown;
  };
  if ((proto.query as { counting?: boolean }).counting)
    throw new Error("countPostgresTraffic: a counter is already running");
  const { query, connect } = proto;
  const counted: PostgresTrafficCounts = { queries: 0, connections: 0 };
  const countingQuery = function (this: unknown, ...args: unknown[]) {
    counted.queries++;
    return query.apply(this, args);
  };
  (countingQuery as { counting?: boolean }).counting = true;
  proto.query = countingQuery;
  proto.connect = function (this: unknown, ...args: unknown[]) {
    counted.connections++;
    return connect.apply(this, args);
  };
  return {
    counts: () => ({ ...counted }),
    stop() {
      proto.query = query;
      proto.connect = connect;
    },
  };
}
