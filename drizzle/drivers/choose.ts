import type { DriverName } from "./types.ts";

export type Runtime = "node" | "worker";

/**
 *   runtime  DATABASE_URL   driver
 *   worker   (any)          neon           (WebSockets; the only one that runs in workerd)
 *   node     set            node-postgres  (`pg` Pool)
 *   node     unset          pglite         (embedded, persisted under <dataDir>/pglite)
 */
export function chooseDriver(opts: { runtime: Runtime; databaseUrl?: string }): DriverName {
  if (opts.runtime === "worker") return "neon";
  return opts.databaseUrl ? "node-postgres" : "pglite";
}
