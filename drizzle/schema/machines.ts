import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  inet,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { MACHINE_STATES, type MachineState } from "../../proto/machine-states.ts";
import { clusters } from "./clusters.ts";
import { createdAt, type Labels, type Taint, tstz, updatedAt } from "./columns.ts";
import { nodePools } from "./node-pools.ts";

/** Why the agent drains a machine; see the drain_intent column. */
export const DRAIN_INTENTS = ["maintenance"] as const;
export type DrainIntent = (typeof DRAIN_INTENTS)[number];

const statusList = sql.raw(MACHINE_STATES.map((s) => `'${s}'`).join(", "));

export const machines = pgTable(
  "machines",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    hostname: text("hostname").notNull(),
    ip: inet("ip").notNull(),
    sshUser: text("ssh_user").notNull().default("root"),
    sshPort: integer("ssh_port").notNull().default(22),
    // a name the agent resolves to a private key (e.g. a Secret key); never the key itself
    sshKeyRef: text("ssh_key_ref"),
    // pinned SSH host key, "SHA256:…"; null until first use under pin-on-first-use
    hostKeyFingerprint: text("host_key_fingerprint"),
    // both null: the machine is in the free inventory
    clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "restrict" }),
    poolId: uuid("pool_id").references(() => nodePools.id, { onDelete: "restrict" }),
    status: text("status").$type<MachineState>().notNull().default("available"),
    statusReason: text("status_reason"),
    statusChangedAt: tstz("status_changed_at").notNull().defaultNow(),
    cpuCores: integer("cpu_cores").notNull().default(0),
    memoryBytes: bigint("memory_bytes", { mode: "number" }).notNull().default(0),
    gpuCount: integer("gpu_count").notNull().default(0),
    gpuType: text("gpu_type"),
    region: text("region"),
    zone: text("zone"),
    rack: text("rack"),
    osImage: text("os_image"),
    kernelVersion: text("kernel_version"),
    kubeletVersion: text("kubelet_version"),
    containerRuntimeVersion: text("container_runtime_version"),
    labels: jsonb("labels").$type<Labels>().notNull().default({}),
    taints: jsonb("taints").$type<Taint[]>().notNull().default([]),
    tags: jsonb("tags").$type<string[]>().notNull().default([]),
    nodeName: text("node_name"),
    providerId: text("provider_id"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    lastHeartbeatAt: tstz("last_heartbeat_at"),
    lastAction: text("last_action"),
    // why a machine is draining: null (a scale-down: drain, reset, back to available) or
    // "maintenance" (drain, keep the cordoned Node, then maintenance); cleared when it leaves draining
    drainIntent: text("drain_intent").$type<DrainIntent>(),
    lastError: text("last_error"),
    // Tenant boundary of the shared inventory (README "Security model"). Who created the machine
    // ("token:<id>", null for rows older than these columns) and the cluster it came from: the one
    // it was created into, or last left through unassign or archive.
    createdBy: text("created_by"),
    // no foreign key: a record of where the machine was, kept after that cluster is gone
    originClusterId: uuid("origin_cluster_id"),
    // SSH identity (address, host name, port, user, key ref, host key): who last set it, and the
    // cluster scope of the token that did. While the scope is set, only that cluster's pools may
    // be given the machine, until an unscoped operator confirms the identity (which clears it).
    // No foreign key either: deleting the cluster must not lift the quarantine.
    identitySetBy: text("identity_set_by"),
    identityScopeClusterId: uuid("identity_scope_cluster_id"),
    identityConfirmedBy: text("identity_confirmed_by"),
    identityConfirmedAt: tstz("identity_confirmed_at"),
    // optimistic concurrency: every guarded update bumps it
    version: integer("version").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // an archived machine keeps its row (history) but frees its address
    uniqueIndex("machines_ip_live_uq").on(t.ip).where(sql`${t.status} <> 'archived'`),
    uniqueIndex("machines_provider_id_uq").on(t.providerId),
    index("machines_pool_status_idx").on(t.poolId, t.status),
    index("machines_cluster_status_idx").on(t.clusterId, t.status),
    index("machines_status_idx").on(t.status),
    // GET /v1/machines: oldest first by (created_at, id); each filter has an index ending in the
    // sort key, so a filtered page reads only the rows it returns
    index("machines_created_id_idx").on(t.createdAt, t.id),
    index("machines_cluster_created_idx").on(t.clusterId, t.createdAt, t.id),
    index("machines_pool_created_idx").on(t.poolId, t.createdAt, t.id),
    index("machines_status_created_idx").on(t.status, t.createdAt, t.id),
    index("machines_region_created_idx").on(t.region, t.createdAt, t.id),
    index("machines_zone_created_idx").on(t.zone, t.createdAt, t.id),
    // label selectors compile to `@>` and `?`, which a GIN index over the jsonb answers
    index("machines_labels_gin_idx").using("gin", t.labels),
    check("machines_status_ck", sql`${t.status} in (${statusList})`),
    check("machines_pool_needs_cluster_ck", sql`${t.poolId} is null or ${t.clusterId} is not null`),
    check("machines_drain_intent_ck", sql`${t.drainIntent} is null or ${t.drainIntent} = 'maintenance'`),
    check("machines_ssh_port_ck", sql`${t.sshPort} between 1 and 65535`),
    check("machines_resources_ck", sql`${t.cpuCores} >= 0 and ${t.memoryBytes} >= 0 and ${t.gpuCount} >= 0`),
  ],
);

export type Machine = typeof machines.$inferSelect;
export type NewMachine = typeof machines.$inferInsert;
