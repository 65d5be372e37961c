/**
 * AppDeps for unit tests: a fake database that answers what /readyz asks,
 * in-memory coordination on a ManualClock, and a memory logger.
 */
import type { Database, Db } from "../../drizzle/client.ts";
import { EXPECTED_MIGRATIONS } from "../../drizzle/migration-status.ts";
import type { AppDeps, DatabaseSource } from "../../functions/composition/types.ts";
import { type ClientAddress, nodeClientAddress } from "../../functions/http/client-address.ts";
import { MemoryCoordination } from "../../functions/lib/coordination/memory.ts";
import type { Coordination } from "../../functions/lib/coordination/types.ts";
import { noopMetrics } from "../../functions/lib/metrics/noop.ts";
import { webhookTransport } from "../../functions/lib/webhooks/transport.ts";
import { DEFAULT_POLICY } from "../../functions/policy.ts";
import { ManualClock } from "../../shared/clock.ts";
import { createMemoryLogger } from "../../shared/logger.ts";

/** Answers every query with rows that satisfy both `select 1` and migrationStatus (one per migration). */
export function fakeDatabase(
  opts: { migrationsApplied?: boolean; execute?: () => Promise<unknown> } = {},
): Database {
  const applied = opts.migrationsApplied === false ? [-1] : EXPECTED_MIGRATIONS.map((m) => m.when);
  const rows = applied.map((when) => ({ t: "drizzle.__drizzle_migrations", created_at: String(when) }));
  const execute = opts.execute ?? (async () => ({ rows }));
  return {
    db: { execute } as unknown as Db,
    driver: "pglite",
    close: async () => {},
    describe: () => "fake",
  };
}

export interface TestDeps extends AppDeps {
  logger: ReturnType<typeof createMemoryLogger>;
  clock: ManualClock;
  /** How many times a database was leased, and released. */
  leases: { acquired: number; released: number };
}

export function testDeps(
  opts: {
    database?: Database;
    acquire?: DatabaseSource["acquire"];
    coordination?: Coordination;
    maxBodyBytes?: number;
    readyCheckTimeoutMs?: number;
    clientAddress?: ClientAddress;
  } = {},
): TestDeps {
  const clock = new ManualClock();
  const leases = { acquired: 0, released: 0 };
  const database = opts.database ?? fakeDatabase();
  const databases: DatabaseSource = {
    acquire: async () => {
      leases.acquired++;
      if (opts.acquire) return opts.acquire();
      return { database, release: async () => void leases.released++ };
    },
  };
  return {
    databases,
    coordination: opts.coordination ?? new MemoryCoordination(clock),
    clock,
    logger: createMemoryLogger(),
    clientAddress: opts.clientAddress ?? nodeClientAddress(0),
    config: {
      maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024,
      maxImportBytes: 16 * 1024 * 1024,
      readyCheckTimeoutMs: opts.readyCheckTimeoutMs ?? 2_000,
      policy: DEFAULT_POLICY,
    },
    webhooks: webhookTransport({ qstash: undefined, signingKeys: undefined, emailWebhookUrl: undefined }),
    metrics: noopMetrics,
    leases,
  };
}
