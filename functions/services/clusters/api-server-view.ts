/**
 * What the API shows of a cluster's imported kubeconfig and of its API
 * server's latest check: the kubeconfig's plain metadata (never its
 * ciphertext: the select below names the columns it reads) and the stored
 * cluster_states row. Loaded for a whole page of clusters at once; lists
 * never call a cluster inline.
 */
import { eq, inArray } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { clusterKubeconfigs, type KubeconfigAuthKind } from "../../../drizzle/schema/cluster-kubeconfigs.ts";
import {
  type ApiServerStatus,
  type ClusterStateRow,
  clusterStates,
} from "../../../drizzle/schema/cluster-states.ts";

export interface KubeconfigView {
  server: string;
  contextName: string;
  authKind: KubeconfigAuthKind;
  hasCertificateAuthority: boolean;
  version: number;
  updatedAt: string;
}

interface Figures {
  cpuMillis: number;
  memoryBytes: number;
}

export interface ApiServerView {
  status: ApiServerStatus;
  error: string | null;
  checkedAt: string;
  lastHealthyAt: string | null;
  consecutiveFailures: number;
  latencyMs: number | null;
  kubernetesVersion: string | null;
  nodes: { total: number; ready: number } | null;
  capacity: Figures | null;
  allocatable: Figures | null;
}

/** A cluster's kubeconfig metadata and latest check; both null for a cluster without a kubeconfig. */
export interface ClusterAccessData {
  kubeconfig: KubeconfigView | null;
  apiServer: ApiServerView | null;
}

export const NO_KUBECONFIG: ClusterAccessData = { kubeconfig: null, apiServer: null };

const figures = (cpuMillis: number | null, memoryBytes: number | null): Figures | null =>
  cpuMillis === null || memoryBytes === null ? null : { cpuMillis, memoryBytes };

export function toApiServerView(s: ClusterStateRow): ApiServerView {
  return {
    status: s.status,
    error: s.error,
    checkedAt: s.checkedAt.toISOString(),
    lastHealthyAt: s.lastHealthyAt ? s.lastHealthyAt.toISOString() : null,
    consecutiveFailures: s.consecutiveFailures,
    latencyMs: s.latencyMs,
    kubernetesVersion: s.kubernetesVersion,
    nodes:
      s.nodeCountTotal === null || s.nodeCountReady === null
        ? null
        : { total: s.nodeCountTotal, ready: s.nodeCountReady },
    capacity: figures(s.cpuCapacityMillis, s.memoryCapacityBytes),
    allocatable: figures(s.cpuAllocatableMillis, s.memoryAllocatableBytes),
  };
}

/**
 * Kubeconfig metadata and API server state per cluster, one query (a join
 * on primary keys) for any number of clusters. A state row only shows beside a kubeconfig: a check of
 * a kubeconfig since removed says nothing about the cluster now, and the
 * apiServerStatus filter (list-clusters.ts) never matches such a cluster either.
 */
export async function clusterAccessData(
  db: Db,
  clusterIds: readonly string[],
): Promise<Map<string, ClusterAccessData>> {
  const found = new Map<string, ClusterAccessData>();
  if (clusterIds.length === 0) return found;
  const k = clusterKubeconfigs;
  // a state only shows beside its kubeconfig, so one join reads both tables
  const rows = await db
    .select({
      clusterId: k.clusterId,
      server: k.server,
      contextName: k.contextName,
      authKind: k.authKind,
      hasCertificateAuthority: k.hasCertificateAuthority,
      version: k.version,
      updatedAt: k.updatedAt,
      state: clusterStates,
    })
    .from(k)
    .leftJoin(clusterStates, eq(clusterStates.clusterId, k.clusterId))
    .where(inArray(k.clusterId, [...clusterIds]));
  for (const { clusterId, updatedAt, state, ...meta } of rows) {
    found.set(clusterId, {
      kubeconfig: { ...meta, updatedAt: updatedAt.toISOString() },
      apiServer: state ? toApiServerView(state) : null,
    });
  }
  return found;
}
