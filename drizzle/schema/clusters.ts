import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, type Labels, tstz, updatedAt } from "./columns.ts";

export const CLUSTER_STATUSES = ["pending", "active", "offline"] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

export const clusters = pgTable(
  "clusters",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    labels: jsonb("labels").$type<Labels>().notNull().default({}),
    // pending until an agent registers; offline after missed heartbeats
    status: text("status").$type<ClusterStatus>().notNull().default("pending"),
    kubernetesVersion: text("kubernetes_version"),
    agentVersion: text("agent_version"),
    lastHeartbeatAt: tstz("last_heartbeat_at"),
    // what the agent's last heartbeat reported: its Node informer's counts and who leads (null until one does)
    nodeCountTotal: integer("node_count_total"),
    nodeCountReady: integer("node_count_ready"),
    nodeCountsReportedAt: tstz("node_counts_reported_at"),
    leaderIdentity: text("leader_identity"),
    leaderSince: tstz("leader_since"),
    // one-time registration token: only its SHA-256 is stored
    registrationTokenHash: text("registration_token_hash"),
    registrationTokenExpiresAt: tstz("registration_token_expires_at"),
    registeredAt: tstz("registered_at"),
    agentCredentialHash: text("agent_credential_hash"),
    agentCredentialRotatedAt: tstz("agent_credential_rotated_at"),
    // bumped on every change an agent must see; backs the state ETag
    stateVersion: bigint("state_version", { mode: "number" }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: tstz("deleted_at"),
  },
  (t) => [
    // names are unique among live clusters, so a deleted name can be reused
    uniqueIndex("clusters_name_live_uq").on(t.name).where(sql`${t.deletedAt} is null`),
    uniqueIndex("clusters_registration_token_hash_uq").on(t.registrationTokenHash),
    uniqueIndex("clusters_agent_credential_hash_uq").on(t.agentCredentialHash),
    index("clusters_status_idx").on(t.status),
    // the list's default order (created_at, id) over live clusters: an index scan, not a sort of all
    index("clusters_live_created_idx").on(t.createdAt, t.id).where(sql`${t.deletedAt} is null`),
    check("clusters_status_ck", sql`${t.status} in ('pending', 'active', 'offline')`),
  ],
);

export type Cluster = typeof clusters.$inferSelect;
export type NewCluster = typeof clusters.$inferInsert;
