import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { PoolAutoscalingOptions, PoolLifecycle } from "../../proto/agent-api.ts";
import { DEFAULT_POOL_LIFECYCLE } from "../../proto/pool-lifecycle.ts";
import { clusters } from "./clusters.ts";
import { createdAt, type Labels, type Taint, updatedAt } from "./columns.ts";

export const SCALE_UP_POLICIES = ["random", "least-used", "most-available"] as const;
export type ScaleUpPolicy = (typeof SCALE_UP_POLICIES)[number];
export const SCALE_DOWN_POLICIES = ["least-used", "newest-first", "oldest-first"] as const;
export type ScaleDownPolicy = (typeof SCALE_DOWN_POLICIES)[number];

/** What a machine must offer to be assigned to the pool. */
export interface HardwareRequirements {
  minCpuCores?: number;
  minMemoryBytes?: number;
  minGpuCount?: number;
  gpuType?: string;
  regions?: string[];
  zones?: string[];
  machineLabels?: Labels;
}

export interface DrainSettings {
  timeoutSeconds: number;
  gracePeriodSeconds: number;
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  /** evict pods not managed by a controller */
  force: boolean;
}

/**
 * Upper bound of a node's hourly price, in the operator's currency. Far above
 * any real machine; it exists so the column never holds Infinity or NaN
 * (Postgres sorts NaN above every number, so `<=` refuses both).
 */
export const MAX_HOURLY_PRICE = 1_000_000;

export const DEFAULT_DRAIN_SETTINGS: DrainSettings = {
  timeoutSeconds: 600,
  gracePeriodSeconds: 30,
  ignoreDaemonSets: true,
  deleteEmptyDirData: true,
  force: false,
};

export const nodePools = pgTable(
  "node_pools",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "restrict" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    // what kind of pool this is ("gpu", "general", …): matching policies pick machines by it
    poolType: text("pool_type"),
    minSize: integer("min_size").notNull().default(0),
    maxSize: integer("max_size").notNull().default(0),
    autoscalingEnabled: boolean("autoscaling_enabled").notNull().default(true),
    // node template: what Cluster Autoscaler simulates a new node of this pool as
    templateLabels: jsonb("template_labels").$type<Labels>().notNull().default({}),
    templateTaints: jsonb("template_taints").$type<Taint[]>().notNull().default([]),
    capacityCpuMillis: integer("capacity_cpu_millis").notNull().default(0),
    capacityMemoryBytes: bigint("capacity_memory_bytes", { mode: "number" }).notNull().default(0),
    capacityEphemeralStorageBytes: bigint("capacity_ephemeral_storage_bytes", { mode: "number" })
      .notNull()
      .default(0),
    capacityPods: integer("capacity_pods").notNull().default(110),
    allocatableCpuMillis: integer("allocatable_cpu_millis").notNull().default(0),
    allocatableMemoryBytes: bigint("allocatable_memory_bytes", { mode: "number" }).notNull().default(0),
    allocatableEphemeralStorageBytes: bigint("allocatable_ephemeral_storage_bytes", { mode: "number" })
      .notNull()
      .default(0),
    allocatablePods: integer("allocatable_pods").notNull().default(110),
    gpuCount: integer("gpu_count").notNull().default(0),
    gpuType: text("gpu_type"),
    hardwareRequirements: jsonb("hardware_requirements").$type<HardwareRequirements>().notNull().default({}),
    scaleUpPolicy: text("scale_up_policy").$type<ScaleUpPolicy>().notNull().default("random"),
    scaleDownPolicy: text("scale_down_policy").$type<ScaleDownPolicy>().notNull().default("least-used"),
    drainSettings: jsonb("drain_settings").$type<DrainSettings>().notNull().default(DEFAULT_DRAIN_SETTINGS),
    // how the agent joins and removes the pool's machines: phase timeouts, concurrency caps and the
    // kubeadm config version (proto/agent-api.ts's PoolLifecycleSchema)
    lifecycleSettings: jsonb("lifecycle_settings")
      .$type<PoolLifecycle>()
      .notNull()
      .default(DEFAULT_POOL_LIFECYCLE),
    // the pool opts in to host preparation (swap off, modules, sysctls)
    prepareHosts: boolean("prepare_hosts").notNull().default(false),
    preJoinHook: text("pre_join_hook"),
    postJoinHook: text("post_join_hook"),
    preResetHook: text("pre_reset_hook"),
    postResetHook: text("post_reset_hook"),
    scaleUpCooldownSeconds: integer("scale_up_cooldown_seconds").notNull().default(0),
    scaleDownCooldownSeconds: integer("scale_down_cooldown_seconds").notNull().default(600),
    // Cluster Autoscaler's per-node-group options; null: the agent answers GetOptions Unimplemented
    // and CA keeps its own defaults
    autoscalingOptions: jsonb("autoscaling_options").$type<PoolAutoscalingOptions>(),
    // price of one node per hour for CA's price expander; null: pricing is Unimplemented
    hourlyPrice: doublePrecision("hourly_price"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("node_pools_cluster_name_uq").on(t.clusterId, t.name),
    index("node_pools_pool_type_idx").on(t.poolType),
    check("node_pools_size_ck", sql`${t.minSize} >= 0 and ${t.maxSize} >= ${t.minSize}`),
    check("node_pools_gpu_ck", sql`${t.gpuCount} >= 0`),
    check(
      "node_pools_scale_up_policy_ck",
      sql`${t.scaleUpPolicy} in ('random', 'least-used', 'most-available')`,
    ),
    check(
      "node_pools_scale_down_policy_ck",
      sql`${t.scaleDownPolicy} in ('least-used', 'newest-first', 'oldest-first')`,
    ),
    check(
      "node_pools_hourly_price_ck",
      sql`${t.hourlyPrice} >= 0 and ${t.hourlyPrice} <= ${sql.raw(String(MAX_HOURLY_PRICE))}`,
    ),
    check("node_pools_autoscaling_options_ck", sql`jsonb_typeof(${t.autoscalingOptions}) = 'object'`),
    check("node_pools_lifecycle_settings_ck", sql`jsonb_typeof(${t.lifecycleSettings}) = 'object'`),
  ],
);

export type NodePool = typeof nodePools.$inferSelect;
export type NewNodePool = typeof nodePools.$inferInsert;
