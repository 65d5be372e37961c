import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { DatabaseOpenError } from "../errors.ts";
import * as schema from "../schema/index.ts";
import type { Database, Db } from "./types.ts";

export const PGLITE_IN_MEMORY = "memory://";

/**
 * Embedded Postgres (WASM) for single-node installs and tests. `dataDir` is a
 * directory that persists across restarts, or "memory://" for a throwaway one.
 * PGlite has a single connection: transactions run one after another.
 */
export async function openPglite(dataDir: string): Promise<Database> {
  try {
    if (dataDir !== PGLITE_IN_MEMORY) await mkdir(dataDir, { recursive: true });
    const client = await PGlite.create(dataDir);
    const db = drizzle({ client, schema }) as unknown as Db;
    return {
      db,
      driver: "pglite",
      close: () => client.close(),
      describe: () => `pglite (${dataDir === PGLITE_IN_MEMORY ? "in memory" : dataDir})`,
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new DatabaseOpenError(
      "dependency_unavailable",
      `embedded database at ${dataDir} cannot be opened: ${reason}`,
    );
  }
}
