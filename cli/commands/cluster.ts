/**
 * `ksp cluster list|get|create|update|delete|rotate-token`. A cluster is
 * named by UUID or by name (the API resolves names within the token's
 * cluster scope).
 */
import type { Command } from "commander";
import { type ApiClient, collectPages, dataOf, type Schema } from "../api.ts";
import { bodyOf, collect, labelsOf, pathRef, SET_HELP, type SetOptions } from "../args.ts";
import { type ListOptions, withListOptions, withSelector, withSetOptions } from "../options.ts";
import { type FieldList, formatAge, formatBytes, formatLabels, renderFields } from "../output.ts";
import type { ResourceView } from "../render.ts";
import { type Runtime, type Session, sessionOf } from "../runtime.ts";
import { listOrWatch } from "../watch.ts";

export type Cluster = Schema<"Cluster">;
type ClusterUpdate = Schema<"UpdateClusterRequest">;
type ClusterCreate = Schema<"CreateClusterRequest">;

/** Every field PATCH /v1/clusters/{clusterId} takes; `satisfies` keeps the list equal to the schema's. */
const UPDATE_FIELDS = Object.keys({
  description: true,
  labels: true,
} satisfies Record<keyof ClusterUpdate, true>);

const CREATE_FIELDS = Object.keys({
  name: true,
  description: true,
  labels: true,
} satisfies Record<keyof ClusterCreate, true>);

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
    ["Last heartbeat", cluster.lastHeartbeatAt ?? "never"],
    ["Registered", cluster.registeredAt ?? "never"],
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
    { header: "READY", value: (c) => c.nodeCounts.byStatus.ready ?? 0 },
    { header: "NODES", value: (c) => (c.nodes ? `${c.nodes.ready}/${c.nodes.total}` : "-") },
    { header: "KUBERNETES", value: (c) => c.kubernetesVersion ?? "-" },
    { header: "AGE", value: (c) => formatAge(c.createdAt) },
    { header: "ID", value: (c) => c.id, wide: true },
    { header: "AGENT", value: (c) => c.agentVersion ?? "-", wide: true },
    { header: "LABELS", value: (c) => formatLabels(c.labels), wide: true },
  ],
  fields: clusterFields,
};

function clusterPath(ref: string) {
  return { params: { path: { clusterId: pathRef(ref, "the cluster") } } };
}

export async function listClusters(api: ApiClient, query: { labelSelector?: string } = {}, limit?: number) {
  return collectPages((page) => api.GET("/v1/clusters", { params: { query: { ...query, ...page } } }), limit);
}

export function registerClusterCommands(program: Command, rt: Runtime): void {
  const cluster = program.command("cluster").description("Kubernetes clusters the agent runs in");

  withListOptions(withSelector(cluster.command("list").alias("ls"), "clusters"))
    .description("List clusters with health and machine counts")
    .option("-q, --search <text>", "text in the name or description")
    .option("--health <health>", "healthy, degraded, offline or unknown")
    .action(async (options: ListOptions & { selector?: string; search?: string; health?: string }, cmd) => {
      const session = sessionOf(rt, cmd);
      const query = {
        ...(options.selector ? { labelSelector: options.selector } : {}),
        ...(options.search ? { q: options.search } : {}),
        ...(options.health ? { status: options.health as "healthy" } : {}),
      };
      await listOrWatch(session, clusterView, () => listClusters(session.api, query, options.limit), options);
    });

  cluster
    .command("get")
    .argument("<cluster>", "id or name")
    .description("Show a cluster")
    .action(async (ref: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      const found = dataOf(await session.api.GET("/v1/clusters/{clusterId}", clusterPath(ref)));
      session.printOne(clusterView, found);
    });

  withSetOptions(
    cluster
      .command("create")
      .argument("<name>", "the cluster's name")
      .description("Create a cluster; prints its one-time registration token for the agent")
      .option("--description <text>", "what the cluster is for")
      .option("--label <KEY=VALUE>", "a cluster label, repeatable", collect),
  )
    .addHelpText("after", `\n${SET_HELP}\nFields: ${CREATE_FIELDS.join(", ")}.`)
    .action(async (name: string, options: SetOptions & { description?: string; label?: string[] }, cmd) => {
      const session = sessionOf(rt, cmd);
      const labels = labelsOf(options.label);
      const body = bodyOf(options, CREATE_FIELDS, {
        name,
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(labels ? { labels } : {}),
      }) as ClusterCreate;
      const created = dataOf(await session.api.POST("/v1/clusters", { body }));
      session.printAnswer("cluster", created.cluster.name, created, () =>
        renderFields([
          ...clusterFields(created.cluster).slice(0, 2),
          ["Registration token", created.registrationToken],
          ["Token expires", created.registrationTokenExpiresAt],
        ]),
      );
      session.deps.stderr(
        "The registration token is shown once: give it to the agent (KSP_REGISTRATION_TOKEN).\n",
      );
    });

  withSetOptions(
    cluster
      .command("update")
      .argument("<cluster>", "id or name")
      .description("Change a cluster's description or labels"),
  )
    .addHelpText(
      "after",
      `\n${SET_HELP}\nFields: ${UPDATE_FIELDS.join(", ")} (labels are replaced as a whole).\n` +
        `Example: ksp cluster update demo --set description="EU workers" --set 'labels={"env":"prod"}'`,
    )
    .action(async (ref: string, options: SetOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      // The API validates every value; the CLI only builds the object.
      const body = bodyOf(options, UPDATE_FIELDS, {}, { requireChange: true }) as ClusterUpdate;
      const updated = dataOf(
        await session.api.PATCH("/v1/clusters/{clusterId}", { ...clusterPath(ref), body }),
      );
      session.printOne(clusterView, updated);
    });

  cluster
    .command("delete")
    .argument("<cluster>", "id or name")
    .description("Delete a cluster; its machines return to the free inventory")
    .option("--force", "delete even while machines are still in use (they are marked fault)")
    .action(async (ref: string, options: { force?: boolean }, cmd) => {
      const session = sessionOf(rt, cmd);
      const deleted = dataOf(
        await session.api.DELETE("/v1/clusters/{clusterId}", {
          params: { path: clusterPath(ref).params.path, query: options.force ? { force: "true" } : {} },
        }),
      );
      printDeleted(session, "cluster", deleted.name, deleted);
    });

  cluster
    .command("rotate-token")
    .argument("<cluster>", "id or name")
    .description("Issue a new one-time registration token; the previous one stops working")
    .action(async (ref: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      const rotated = dataOf(
        await session.api.POST("/v1/clusters/{clusterId}/registration-token", clusterPath(ref)),
      );
      session.printAnswer("cluster", ref, rotated, () =>
        renderFields([
          ["Cluster ID", rotated.clusterId],
          ["Registration token", rotated.registrationToken],
          ["Token expires", rotated.registrationTokenExpiresAt],
        ]),
      );
    });
}

/** What a delete prints: `cluster "x" deleted`, or the API's answer. */
export function printDeleted(session: Session, kind: string, name: string, answer: unknown): void {
  session.printAnswer(kind, name, answer, () => `${kind} "${name}" deleted\n`);
}
