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

export async function migrateDatabase(database: Database): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  // Each migrator is typed for its own database class; ours is the common PgDatabase.
  switch (database.driver) {
    case "pglite": {
      const { migrate } = await import("drizzle-orm/pglite/migrator");
      return migrate(database.db as Parameters<typeof migrate>[0], config);
    }
    case "node-postgres": {
      const { migrate } = await import("drizzle-orm/node-postgres/migrator");
      return migrate(database.db as Parameters<typeof migrate>[0], config);
    }
    case "neon": {
      const { migrate } = await import("drizzle-orm/neon-serverless/migrator");
      return migrate(database.db as Parameters<typeof migrate>[0], config);
    }
  }
}
