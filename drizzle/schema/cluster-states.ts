import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters.ts";
import { tstz } from "./columns.ts";

export const API_SERVER_STATUSES = ["healthy", "degraded", "unreachable", "unauthorized"] as const;
export type ApiServerStatus = (typeof API_SERVER_STATUSES)[number];

/**
 * The latest health check of a cluster's API server through its imported
 * kubeconfig, written by the probe-clusters job: one row per cluster, replaced
 * by each check. Lists read this row and never call a cluster inline.
 */
export const clusterStates = pgTable(
  "cluster_states",
  {
    clusterId: uuid("cluster_id")
      .primaryKey()
      .references(() => clusters.id, { onDelete: "cascade" }),
    status: text("status").$type<ApiServerStatus>().notNull(),
    // why the check was not healthy (never a credential): kept until a check succeeds
    error: text("error"),
    kubernetesVersion: text("kubernetes_version"),
    nodeCountTotal: integer("node_count_total"),
    nodeCountReady: integer("node_count_ready"),
    cpuCapacityMillis: bigint("cpu_capacity_millis", { mode: "number" }),
    memoryCapacityBytes: bigint("memory_capacity_bytes", { mode: "number" }),
    cpuAllocatableMillis: bigint("cpu_allocatable_millis", { mode: "number" }),
    memoryAllocatableBytes: bigint("memory_allocatable_bytes", { mode: "number" }),
    latencyMs: integer("latency_ms"),
    // the cluster_kubeconfigs.version this check used
    kubeconfigVersion: integer("kubeconfig_version").notNull(),
    checkedAt: tstz("checked_at").notNull(),
    lastHealthyAt: tstz("last_healthy_at"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  },
  (t) => [
    index("cluster_states_status_idx").on(t.status),
    check(
      "cluster_states_status_ck",
      sql`${t.status} in ('healthy', 'degraded', 'unreachable', 'unauthorized')`,
    ),
  ],
);

export type ClusterStateRow = typeof clusterStates.$inferSelect;
