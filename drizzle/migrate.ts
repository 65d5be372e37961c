/**
 * Applies drizzle/migrations with drizzle's migrator for the open driver.
 * Node only (the migrator reads the SQL files from disk); the Worker checks
 * `migrationStatus` (migration-status.ts) and never migrates.
 */
import { fileURLToPath } from "node:url";
import type { Database } from "./drivers/types.ts";

export { type MigrationStatus, migrationStatus } from "./migration-status.ts";

/** Resolved from this module, so the CLI and the server work from any cwd. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

/** Session advisory-lock key that serialises migrators sharing one database ("ksp" + 1). */
export const MIGRATION_LOCK_KEY = 0x6b737001;

/** What both pg and Neon pools hand out: one session we can lock on and migrate through. */
interface PoolSession {
  query(text: string, params?: unknown[]): Promise<unknown>;
  release(): void;
}
interface SessionPool {
  connect(): Promise<PoolSession>;
}

export async function migrateDatabase(database: Database): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  // Each migrator is typed for its own database class; ours is the common PgDatabase.
  switch (database.driver) {
    case "pglite": {
      // one session only: nothing can run concurrently
      const { migrate } = await import("drizzle-orm/pglite/migrator");
      return migrate(database.db as Parameters<typeof migrate>[0], config);
    }
    case "node-postgres": {
      const { drizzle } = await import("drizzle-orm/node-postgres");
      const { migrate } = await import("drizzle-orm/node-postgres/migrator");
      return underMigrationLock(database, (session) =>
        migrate(drizzle({ client: session as never }), config),
      );
    }
    case "neon": {
      const { drizzle } = await import("drizzle-orm/neon-serverless");
      const { migrate } = await import("drizzle-orm/neon-serverless/migrator");
      return underMigrationLock(database, (session) =>
        migrate(drizzle({ client: session as never }), config),
      );
    }
  }
}

/**
 * Two replicas starting together would both try to apply the same migration
 * and one would crash on "already exists". drizzle's migrator owns its
 * transaction, so the lock is a session advisory lock held on one pooled
 * connection, and the migrator runs through that same connection.
 */
async function underMigrationLock(database: Database, run: (session: PoolSession) => Promise<void>) {
  const pool = (database.db as unknown as { $client: SessionPool }).$client;
  const session = await pool.connect();
  try {
    await session.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await run(session);
    } finally {
      await session.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    session.release();
  }
}
