import { Client, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import * as schema from "../schema/index.ts";
import { describeTarget, parsePostgresUrl, verifyReachable } from "./connection-url.ts";
import type { ConnectionOptions, Database, Db, NeonOptions } from "./types.ts";

/**
 * Neon's Pool over WebSockets: unlike its HTTP mode it keeps a session, so
 * interactive transactions (SELECT … FOR UPDATE, then UPDATE) work.
 *
 * The options are applied per connection rather than on the global
 * `neonConfig`, so two pools in one process (tests, or a proxy next to a
 * real Neon) cannot change each other's routing.
 *
 * In Workers a Pool must not outlive the request that opened it (its sockets
 * belong to that request): open per request, close in `waitUntil`.
 */
export async function openNeon(
  url: string,
  neon: NeonOptions = {},
  options: ConnectionOptions & { verify?: boolean } = {},
): Promise<Database> {
  const target = parsePostgresUrl(url);
  const pool = new Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  pool.Client = clientWith(neon);
  pool.on("error", () => {});
  if (options.verify) await verifyReachable(pool, url, target);
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  return {
    db,
    driver: "neon",
    close: () => pool.end(),
    describe: () => `neon (${describeTarget(target)})`,
  };
}

function clientWith(neon: NeonOptions): typeof Client {
  const settings = Object.fromEntries(Object.entries(neon).filter(([, v]) => v !== undefined));
  return class ConfiguredClient extends Client {
    constructor(config?: ConstructorParameters<typeof Client>[0]) {
      super(config);
      // `neonConfig` here is this connection's socket; its setters override the global defaults
      Object.assign(this.neonConfig, settings);
    }
  };
}
