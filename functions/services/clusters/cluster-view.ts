/**
 * What the API shows of a cluster: its stored fields, the health derived from
 * heartbeats, its machine counts, and what its agent reports of the cluster
 * itself (Node counts and leader from heartbeats, resources from the latest
 * snapshot), and how the control plane reaches it: through a registered
 * agent, an imported kubeconfig (metadata only) or both, with the API
 * server's latest check. Never hashes of tokens or credentials, never a
 * kubeconfig.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Cluster, type ClusterStatus, clusters } from "../../../drizzle/schema/clusters.ts";
import type { Labels } from "../../../drizzle/schema/columns.ts";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";
import {
  type ApiServerView,
  type ClusterAccessData,
  clusterAccessData,
  type KubeconfigView,
  NO_KUBECONFIG,
} from "./api-server-view.ts";
import { type ClusterResources, latestClusterResources } from "./cluster-resources.ts";
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
  /** the Kubernetes Nodes the agent's last heartbeat counted; null before one reported them */
  nodes: { total: number; ready: number; reportedAt: string } | null;
  leader: { identity: string; since: string } | null;
  /** the latest whole-cluster snapshot the agent pushed; null before its first */
  resources: ClusterResources | null;
  registeredAt: string | null;
  /** agent: an agent holds a credential; kubeconfig: one is imported (the two may both hold) */
  access: { agent: boolean; kubeconfig: boolean };
  /** the imported kubeconfig's metadata (never the kubeconfig); null without one */
  kubeconfig: KubeconfigView | null;
  /** the API server's latest check through the kubeconfig; null without one or before the first */
  apiServer: ApiServerView | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toClusterView(
  row: Cluster,
  summary: MachineSummary,
  now: Date,
  thresholds: HealthThresholds,
  resources: ClusterResources | null = null,
  access: ClusterAccessData = NO_KUBECONFIG,
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
    nodes: nodesOf(row),
    leader:
      row.leaderIdentity !== null && row.leaderSince !== null
        ? { identity: row.leaderIdentity, since: row.leaderSince.toISOString() }
        : null,
    resources,
    registeredAt: iso(row.registeredAt),
    access: { agent: row.agentCredentialHash !== null, kubeconfig: access.kubeconfig !== null },
    kubeconfig: access.kubeconfig,
    apiServer: access.apiServer,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...summary,
  };
}

function nodesOf(row: Cluster): ClusterView["nodes"] {
  if (row.nodeCountTotal === null || row.nodeCountReady === null || row.nodeCountsReportedAt === null)
    return null;
  return {
    total: row.nodeCountTotal,
    ready: row.nodeCountReady,
    reportedAt: row.nodeCountsReportedAt.toISOString(),
  };
}

/**
 * Views for several rows: one grouped count query, one snapshot query and one
 * query each for kubeconfigs and API server states, whatever the number of rows.
 */
export async function toClusterViews(
  db: Db,
  rows: readonly Cluster[],
  now: Date,
  thresholds: HealthThresholds,
): Promise<ClusterView[]> {
  const ids = rows.map((r) => r.id);
  const [summaries, resources, access] = await Promise.all([
    machineSummaries(db, ids),
    latestClusterResources(db, ids),
    clusterAccessData(db, ids),
  ]);
  return rows.map((row) =>
    toClusterView(
      row,
      summaries.get(row.id)!,
      now,
      thresholds,
      resources.get(row.id) ?? null,
      access.get(row.id) ?? NO_KUBECONFIG,
    ),
  );
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
