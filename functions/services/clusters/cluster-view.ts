/**
 * What the API shows of a cluster: its stored fields, the health derived from
 * heartbeats, and its machine counts. Never hashes of tokens or credentials.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Cluster, type ClusterStatus, clusters } from "../../../drizzle/schema/clusters.ts";
import type { Labels } from "../../../drizzle/schema/columns.ts";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";
import { type ClusterHealth, deriveHealth, type HealthThresholds } from "./health.ts";
import { type MachineSummary, machineSummaries } from "./machine-summary.ts";

export interface ClusterView extends MachineSummary {
  id: string;
  name: string;
  description: string;
  labels: Labels;
  status: ClusterStatus;
  health: ClusterHealth;
  kubernetesVersion: string | null;
  agentVersion: string | null;
  lastHeartbeatAt: string | null;
  registeredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toClusterView(
  row: Cluster,
  summary: MachineSummary,
  now: Date,
  thresholds: HealthThresholds,
): ClusterView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    labels: row.labels,
    status: row.status,
    health: deriveHealth(row.lastHeartbeatAt, now, thresholds),
    kubernetesVersion: row.kubernetesVersion,
    agentVersion: row.agentVersion,
    lastHeartbeatAt: iso(row.lastHeartbeatAt),
    registeredAt: iso(row.registeredAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...summary,
  };
}

/** Views for several rows with one grouped count query. */
export async function toClusterViews(
  db: Db,
  rows: readonly Cluster[],
  now: Date,
  thresholds: HealthThresholds,
): Promise<ClusterView[]> {
  const summaries = await machineSummaries(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => toClusterView(row, summaries.get(row.id)!, now, thresholds));
}

export function clusterNotFound(clusterId: string): AppError {
  return new AppError("not_found", `cluster ${clusterId} not found`, { clusterId });
}

/** The live (not deleted) cluster, or not_found. */
export async function liveCluster(db: Db, clusterId: string): Promise<Cluster> {
  if (!isUuid(clusterId)) throw clusterNotFound(clusterId);
  const [row] = await db
    .select()
    .from(clusters)
    .where(and(eq(clusters.id, clusterId), isNull(clusters.deletedAt)));
  if (!row) throw clusterNotFound(clusterId);
  return row;
}
