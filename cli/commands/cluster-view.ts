/**
 * How a cluster prints (`ksp cluster list|get`) and the list's filters: agent
 * clusters and kubeconfig clusters side by side, each figure from whichever
 * source has it (the agent's heartbeat first, else the API server check).
 */
import type { Command } from "commander";
import { type ApiClient, collectPages, type Schema } from "../api.ts";
import { type FieldList, formatAge, formatBytes, formatLabels } from "../output.ts";
import type { ResourceView } from "../render.ts";

export type Cluster = Schema<"Cluster">;
/** GET /v1/clusters' filters and sort (paging is collectPages'). */
export interface ClusterListQuery {
  labelSelector?: string;
  q?: string;
  status?: "healthy" | "degraded" | "offline" | "unknown";
  apiServerStatus?: "healthy" | "degraded" | "unreachable" | "unauthorized" | "unchecked";
  access?: "agent" | "kubeconfig";
  version?: string;
  sort?: "name" | "-name" | "createdAt" | "-createdAt";
}

function machineSummary(counts: Cluster["nodeCounts"]): string {
  const byStatus = Object.entries(counts.byStatus)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([status, count]) => `${status} ${count}`);
  return byStatus.length === 0 ? String(counts.total) : `${counts.total} (${byStatus.join(", ")})`;
}

/** agent, kubeconfig, agent+kubeconfig, or - (neither yet) */
export function accessOf(c: Cluster): string {
  const kinds = [c.access.agent ? "agent" : "", c.access.kubeconfig ? "kubeconfig" : ""].filter(Boolean);
  return kinds.length === 0 ? "-" : kinds.join("+");
}

/** the API server's last status; unchecked before the first check of a kubeconfig; - without one */
export function apiServerStatusOf(c: Cluster): string {
  if (c.apiServer) return c.apiServer.status;
  return c.kubeconfig ? "unchecked" : "-";
}

export function versionOf(c: Cluster): string | null {
  return c.kubernetesVersion ?? c.apiServer?.kubernetesVersion ?? null;
}

/** Kubernetes Nodes ready/total: the agent's heartbeat, else the API server check */
export function nodesOf(c: Cluster): { ready: number; total: number } | null {
  return c.nodes ?? c.apiServer?.nodes ?? null;
}

/** CPU and memory capacity: the agent's snapshot, else the API server check */
function capacityOf(c: Cluster): { cpuMillis: number; memoryBytes: number } | null {
  return c.resources?.capacity ?? c.apiServer?.capacity ?? null;
}

const cores = (millis: number) => `${Number((millis / 1000).toFixed(1))}`;

export function clusterFields(cluster: Cluster): FieldList {
  const { ready, assigned } = cluster.capacity;
  const hardware = (totals: typeof ready) =>
    `${totals.machines} machines, ${totals.cpuCores} cores, ${formatBytes(totals.memoryBytes)}`;
  const nodes = nodesOf(cluster);
  const capacity = capacityOf(cluster);
  const k = cluster.kubeconfig;
  const s = cluster.apiServer;
  return [
    ["Name", cluster.name],
    ["ID", cluster.id],
    ["Status", cluster.status],
    ["Access", accessOf(cluster)],
    ["Health", cluster.health],
    ["Description", cluster.description],
    ["Labels", formatLabels(cluster.labels)],
    ["Machines", machineSummary(cluster.nodeCounts)],
    ["Ready capacity", hardware(ready)],
    ["Assigned capacity", hardware(assigned)],
    ["Nodes", nodes ? `${nodes.ready}/${nodes.total} ready` : "not reported"],
    [
      "Capacity",
      capacity ? `${cores(capacity.cpuMillis)} cores, ${formatBytes(capacity.memoryBytes)}` : null,
    ],
    ["Kubernetes", versionOf(cluster)],
    ["Agent", cluster.agentVersion],
    ["Leader", cluster.leader?.identity],
    ["Last heartbeat", cluster.lastHeartbeatAt ?? "never"],
    ["Registered", cluster.registeredAt ?? "never"],
    [
      "Kubeconfig",
      k
        ? `${k.server} (${k.authKind}, context ${k.contextName}${k.hasCertificateAuthority ? ", own CA" : ""}, version ${k.version}, updated ${k.updatedAt})`
        : "none",
    ],
    ...(k
      ? ([
          ["API server", apiServerStatusOf(cluster)],
          [
            "Last check",
            s ? `${s.checkedAt}${s.latencyMs !== null ? ` (${s.latencyMs} ms)` : ""}` : "not yet",
          ],
          ...(s?.error ? [["Check error", s.error] as const] : []),
          ["Last healthy", s?.lastHealthyAt ?? "never"],
          ...(s && s.consecutiveFailures > 0 ? [["Failures in a row", s.consecutiveFailures] as const] : []),
        ] as const)
      : []),
    ["Created", cluster.createdAt],
    ["Updated", cluster.updatedAt],
  ];
}

export const clusterView: ResourceView<Cluster> = {
  kind: "cluster",
  name: (cluster) => cluster.name,
  columns: [
    { header: "NAME", value: (c) => c.name },
    { header: "HEALTH", value: (c) => c.health },
    { header: "MACHINES", value: (c) => c.nodeCounts.total },
    { header: "ACCESS", value: accessOf },
    { header: "API SERVER", value: apiServerStatusOf },
    { header: "VERSION", value: (c) => versionOf(c) ?? "-" },
    {
      header: "NODES",
      value: (c) => {
        const nodes = nodesOf(c);
        return nodes ? `${nodes.ready}/${nodes.total}` : "-";
      },
    },
    { header: "AGE", value: (c) => formatAge(c.createdAt) },
    {
      header: "CAPACITY",
      value: (c) => {
        const capacity = capacityOf(c);
        return capacity ? `${cores(capacity.cpuMillis)} cores, ${formatBytes(capacity.memoryBytes)}` : "-";
      },
      wide: true,
    },
    { header: "SERVER", value: (c) => c.kubeconfig?.server ?? "-", wide: true },
    { header: "ID", value: (c) => c.id, wide: true },
    { header: "AGENT", value: (c) => c.agentVersion ?? "-", wide: true },
    { header: "LABELS", value: (c) => formatLabels(c.labels), wide: true },
  ],
  fields: clusterFields,
};

export async function listClusters(api: ApiClient, query: ClusterListQuery = {}, limit?: number) {
  return collectPages((page) => api.GET("/v1/clusters", { params: { query: { ...query, ...page } } }), limit);
}

export interface ClusterListOptions {
  selector?: string;
  search?: string;
  health?: string;
  apiServerStatus?: string;
  access?: string;
  kubernetesVersion?: string;
  sort?: string;
}

/** The list's filter flags; the API validates their values (a bad one exits with its 400). */
export function withClusterListFilters(cmd: Command): Command {
  return (
    cmd
      .option("-q, --search <text>", "text in the name or description")
      .option("--health <health>", "agent health: healthy, degraded, offline or unknown")
      .option(
        "--api-server-status <status>",
        "healthy, degraded, unreachable, unauthorized or unchecked (a kubeconfig not checked yet)",
      )
      .option("--access <kind>", "agent (a registered agent) or kubeconfig (an imported kubeconfig)")
      // not --version: that is the program's own flag (ksp --version), and commander takes it anywhere
      .option("--kubernetes-version <prefix>", "Kubernetes version prefix, e.g. 1.30 or v1.30.2")
      .option("--sort <order>", "name, -name, createdAt (default) or -createdAt")
  );
}

export function clusterListQuery(options: ClusterListOptions): ClusterListQuery {
  return {
    ...(options.selector ? { labelSelector: options.selector } : {}),
    ...(options.search ? { q: options.search } : {}),
    ...(options.health ? { status: options.health as ClusterListQuery["status"] } : {}),
    ...(options.apiServerStatus
      ? { apiServerStatus: options.apiServerStatus as ClusterListQuery["apiServerStatus"] }
      : {}),
    ...(options.access ? { access: options.access as ClusterListQuery["access"] } : {}),
    ...(options.kubernetesVersion ? { version: options.kubernetesVersion } : {}),
    ...(options.sort ? { sort: options.sort as ClusterListQuery["sort"] } : {}),
  };
}
