/**
 * `ksp status`: the overview in one screen: clusters with health, each
 * pool's size against its bounds, and machines by status (all of them, the
 * free inventory among them), from one request: GET /v1/machines/summary
 * counts them server-side in one grouped query (one snapshot), whatever the
 * fleet's size.
 */
import type { Command } from "commander";
import { dataOf } from "../api.ts";
import { renderTable } from "../output.ts";
import { type Runtime, sessionOf } from "../runtime.ts";
import { listClusters } from "./cluster.ts";
import { fetchPoolStatus, listPools } from "./pool.ts";
import type { PoolStatus } from "./pool-status.ts";

type Counts = Record<string, number>;

function section(title: string, body: string): string {
  return `${title}\n${body
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => `  ${line}`)
    .join("\n")}\n`;
}

function nonZero(counts: Counts): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${n}`);
  return parts.length === 0 ? "-" : parts.join(", ");
}

export function registerStatusCommand(program: Command, rt: Runtime): void {
  program
    .command("status")
    .description("Overview: clusters, each pool's size and bounds, machines by status")
    .action(async (_options, cmd) => {
      const session = sessionOf(rt, cmd);
      const { api } = session;
      const clusters = await listClusters(api);
      const names = new Map(clusters.map((c) => [c.id, c.name]));
      const pools: PoolStatus[] = (
        await Promise.all(
          clusters.map(async (cluster) => {
            const list = await listPools(api, cluster.id);
            return Promise.all(
              list.map((pool) => fetchPoolStatus(api, { cluster: cluster.id, pool: pool.id })),
            );
          }),
        )
      ).flat();
      // One server-side count (one snapshot): summing the clusters' counts and a separate
      // free-inventory read would count a machine assigned or released between the reads twice, or
      // not at all; and reading every machine costs a request per 500 of them.
      const summary = dataOf(await api.GET("/v1/machines/summary"));
      const { total, byStatus, free } = summary;
      // the clusters' rows count from the same snapshot as the totals below them
      const clusterCounts = new Map(summary.clusters.map((c) => [c.clusterId, c.byStatus]));
      const overview = {
        clusters,
        pools,
        machines: { total, byStatus, freeInventory: free.total },
      };
      const { config } = session;
      if (config.output === "name") {
        session.deps.stdout(
          [
            ...clusters.map((c) => `cluster/${c.name}\n`),
            ...pools.map((p) => `pool/${names.get(p.clusterId) ?? p.clusterId}/${p.name}\n`),
          ].join(""),
        );
        return;
      }
      session.printAnswer("status", "overview", overview, () => {
        const headers = config.noHeaders ? null : undefined;
        const clusterTable = renderTable(
          headers === null ? null : ["NAME", "HEALTH", "MACHINES", "NODES", "KUBERNETES"],
          clusters.map((c) => [
            c.name,
            c.health,
            nonZero((clusterCounts.get(c.id) ?? c.nodeCounts.byStatus) as Counts),
            c.nodes ? `${c.nodes.ready}/${c.nodes.total} ready` : "-",
            c.kubernetesVersion ?? "-",
          ]),
        );
        const poolTable = renderTable(
          headers === null ? null : ["POOL", "AUTOSCALING", "MIN", "TARGET", "MAX", "READY", "MACHINES"],
          pools.map((p) => [
            `${names.get(p.clusterId) ?? p.clusterId}/${p.name}`,
            p.autoscalingEnabled ? "enabled" : "disabled",
            String(p.minSize),
            String(p.target),
            String(p.maxSize),
            String(p.counts.ready ?? 0),
            nonZero(p.counts as Counts),
          ]),
        );
        const machineTable = renderTable(
          headers === null ? null : ["STATUS", "MACHINES"],
          Object.entries(byStatus)
            .filter(([, n]) => n > 0)
            .map(([state, n]) => [state, String(n)]),
        );
        return [
          section(`Clusters (${clusters.length})`, clusters.length ? clusterTable : "none"),
          section(`Pools (${pools.length})`, pools.length ? poolTable : "none"),
          section(
            `Machines (${total}; free inventory ${free.total}${free.total ? `: ${nonZero(free.byStatus)}` : ""})`,
            total ? machineTable : "none",
          ),
        ].join("");
      });
    });
}
