/**
 * `ksp cluster get|update <id|name>`: one cluster, addressed by UUID or by
 * name (the API resolves names within the token's cluster scope).
 */
import { type ApiClient, dataOf, type Schema } from "../api.ts";
import { patchBodyOf, pathRef, SET_HELP, SET_OPTIONS, singleArg } from "../args.ts";
import { formatBytes, formatLabels } from "../output.ts";
import { type FieldList, showResource, when } from "./show.ts";
import type { Command } from "./types.ts";

type Cluster = Schema<"Cluster">;
type ClusterUpdate = Schema<"UpdateClusterRequest">;

/** Every field PATCH /v1/clusters/{clusterId} takes; `satisfies` keeps the list equal to the schema's. */
const UPDATE_FIELDS = Object.keys({
  description: true,
  labels: true,
} satisfies Record<keyof ClusterUpdate, true>);

function machineSummary(counts: Cluster["nodeCounts"]): string {
  const byStatus = Object.entries(counts.byStatus)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([status, count]) => `${status} ${count}`);
  return byStatus.length === 0 ? String(counts.total) : `${counts.total} (${byStatus.join(", ")})`;
}

export function clusterFields(cluster: Cluster): FieldList {
  const { ready, assigned } = cluster.capacity;
  const hardware = (totals: typeof ready) =>
    `${totals.machines} machines, ${totals.cpuCores} cores, ${formatBytes(totals.memoryBytes)}`;
  return [
    ["Name", cluster.name],
    ["ID", cluster.id],
    ["Status", cluster.status],
    ["Health", cluster.health],
    ["Description", cluster.description],
    ["Labels", formatLabels(cluster.labels)],
    ["Machines", machineSummary(cluster.nodeCounts)],
    ["Ready capacity", hardware(ready)],
    ["Assigned capacity", hardware(assigned)],
    ["Nodes", cluster.nodes ? `${cluster.nodes.ready}/${cluster.nodes.total} ready` : "not reported"],
    ["Kubernetes", cluster.kubernetesVersion],
    ["Agent", cluster.agentVersion],
    ["Leader", cluster.leader?.identity],
    ["Last heartbeat", when(cluster.lastHeartbeatAt)],
    ["Registered", when(cluster.registeredAt)],
    ["Created", cluster.createdAt],
    ["Updated", cluster.updatedAt],
  ];
}

function clusterPath(ref: string) {
  return { params: { path: { clusterId: pathRef(ref, "the cluster") } } };
}

export async function fetchCluster(api: ApiClient, ref: string): Promise<Cluster> {
  return dataOf(await api.GET("/v1/clusters/{clusterId}", clusterPath(ref)));
}

export const clusterGetCommand: Command = {
  words: ["cluster", "get"],
  synopsis: "<id|name>",
  summary: "Show a cluster",
  async run(ctx) {
    const cluster = await fetchCluster(ctx.api, singleArg(ctx.args, "a cluster id or name"));
    return showResource(ctx, cluster, clusterFields);
  },
};

export const clusterUpdateCommand: Command = {
  words: ["cluster", "update"],
  synopsis: "<id|name> --set KEY=VALUE…",
  summary: "Change a cluster's description or labels",
  options: SET_OPTIONS,
  help: [
    SET_HELP,
    `Fields: ${UPDATE_FIELDS.join(", ")} (labels are replaced as a whole).`,
    `Example: ksp cluster update demo --set description="EU workers" --set 'labels={"env":"prod"}'`,
  ].join("\n"),
  async run(ctx) {
    const ref = singleArg(ctx.args, "a cluster id or name");
    // The API validates every value; the CLI only builds the object.
    const body = patchBodyOf(ctx.flags, UPDATE_FIELDS) as ClusterUpdate;
    const cluster = dataOf(await ctx.api.PATCH("/v1/clusters/{clusterId}", { ...clusterPath(ref), body }));
    return showResource(ctx, cluster, clusterFields);
  },
};
