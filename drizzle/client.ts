/**
 * The one place that opens the database: `chooseDriver` (drivers/choose.ts)
 * picks the driver from the runtime and DATABASE_URL, `openDatabase` opens it.
 *
 * Drivers are imported lazily so Node never loads the ones it does not use.
 * The Worker must not import this module at all: a bundler follows even lazy
 * `import()`s and would pull `pg` and PGlite into the bundle. Workers import
 * `client-worker.ts`, which reaches only the Neon driver (what `chooseDriver`
 * answers for runtime "worker"). `import type { Db }` from here is fine
 * anywhere: type imports vanish before bundling.
 */
import { join } from "node:path";
import { chooseDriver, type Runtime } from "./drivers/choose.ts";
import type { ConnectionOptions, Database, NeonOptions } from "./drivers/types.ts";
import { DatabaseOpenError } from "./errors.ts";

export { chooseDriver, type Runtime } from "./drivers/choose.ts";
export type { Database, Db, DriverName, NeonOptions } from "./drivers/types.ts";

export interface OpenDatabaseOptions extends ConnectionOptions {
  runtime: Runtime;
  databaseUrl?: string;
  /**
   * Where embedded data lives; PGlite uses `<dataDir>/pglite`. Default ".data".
   * Held exclusively through `<dataDir>/ksp.lock` until `close()` (drivers/data-dir-lock.ts).
   */
  dataDir?: string;
  neon?: NeonOptions;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const driver = chooseDriver(opts);
  const url = opts.databaseUrl ?? "";
  switch (driver) {
    case "pglite": {
      const dataDir = opts.dataDir ?? ".data";
      // Before anything opens the directory: a second owner refuses here, touching nothing.
      const { acquireDataDirLock } = await import("./drivers/data-dir-lock.ts");
      const lock = acquireDataDirLock(dataDir);
      try {
        const { openPglite } = await import("./drivers/pglite.ts");
        const database = await openPglite(join(dataDir, "pglite"));
        return {
          ...database,
          close: async () => {
            try {
              await database.close();
            } finally {
              lock.release();
            }
          },
        };
      } catch (err) {
        lock.release();
        throw err;
      }
    }
    case "node-postgres": {
      const { openNodePostgres } = await import("./drivers/node-postgres.ts");
      return openNodePostgres(url, opts);
    }
    case "neon": {
      if (!url) throw new DatabaseOpenError("dependency_unavailable", "DATABASE_URL is required on Workers");
      const { openNeon } = await import("./drivers/neon.ts");
      return openNeon(url, opts.neon, opts);
    }
  }
}
