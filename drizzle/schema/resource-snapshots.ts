import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters.ts";
import { tstz } from "./columns.ts";
import { nodePools } from "./node-pools.ts";

/** Per-pool (or whole-cluster when pool is null) resource figures at a point in time. */
export const resourceSnapshots = pgTable(
  "resource_snapshots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    poolId: uuid("pool_id").references(() => nodePools.id, { onDelete: "cascade" }),
    capturedAt: tstz("captured_at").notNull().defaultNow(),
    // raw pushes from agents; daily rows are roll-ups of them
    granularity: text("granularity").$type<"raw" | "daily">().notNull().default("raw"),
    nodeCount: integer("node_count").notNull().default(0),
    capacityCpuMillis: bigint("capacity_cpu_millis", { mode: "number" }).notNull().default(0),
    capacityMemoryBytes: bigint("capacity_memory_bytes", { mode: "number" }).notNull().default(0),
    allocatableCpuMillis: bigint("allocatable_cpu_millis", { mode: "number" }).notNull().default(0),
    allocatableMemoryBytes: bigint("allocatable_memory_bytes", { mode: "number" }).notNull().default(0),
    requestedCpuMillis: bigint("requested_cpu_millis", { mode: "number" }).notNull().default(0),
    requestedMemoryBytes: bigint("requested_memory_bytes", { mode: "number" }).notNull().default(0),
    usageCpuMillis: bigint("usage_cpu_millis", { mode: "number" }).notNull().default(0),
    usageMemoryBytes: bigint("usage_memory_bytes", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    index("resource_snapshots_cluster_pool_at_idx").on(t.clusterId, t.poolId, t.capturedAt),
    check("resource_snapshots_granularity_ck", sql`${t.granularity} in ('raw', 'daily')`),
    // the roll-up job finds whole days of raw rows (and old ones to delete) by time alone
    index("resource_snapshots_granularity_at_idx").on(t.granularity, t.capturedAt),
    // one daily row per cluster, pool (null: whole cluster) and UTC day, however often the roll-up runs
    uniqueIndex("resource_snapshots_daily_uq")
      .on(t.clusterId, sql`coalesce(${t.poolId}, '00000000-0000-0000-0000-000000000000'::uuid)`, t.capturedAt)
      .where(sql`${t.granularity} = 'daily'`),
  ],
);

export type ResourceSnapshot = typeof resourceSnapshots.$inferSelect;
