/**
 * The Worker's way in to the database (see client.ts for why it is separate):
 * it imports nothing but the Neon driver, so the bundle stays free of `pg` and
 * PGlite; `chooseDriver({ runtime: "worker" })` is always "neon".
 * Open one per request; close it with `ctx.waitUntil(database.close())`.
 */

import { openNeon } from "./drivers/neon.ts";
import type { ConnectionOptions, Database, NeonOptions } from "./drivers/types.ts";
import { DatabaseOpenError } from "./errors.ts";

export type { Database, Db } from "./drivers/types.ts";

export async function openWorkerDatabase(
  opts: { databaseUrl?: string; neon?: NeonOptions } & ConnectionOptions,
): Promise<Database> {
  if (!opts.databaseUrl)
    throw new DatabaseOpenError("dependency_unavailable", "DATABASE_URL is required on Workers");
  return openNeon(opts.databaseUrl, opts.neon, opts);
}
