/**
 * Writes a check's outcome into the cluster's one cluster_states row, guarded
 * so that the latest check wins whatever order writes land in:
 *
 * - only while the cluster is live and its kubeconfig is still the version
 *   the check used (a kubeconfig replaced or removed meanwhile makes the
 *   result meaningless), holding that kubeconfig row until commit;
 * - never over a row from a newer kubeconfig version or a later check
 *   (a slow check that lost a race, a redelivered queue message).
 *
 * A failed check keeps the last figures read (version, Nodes, capacity) and
 * counts consecutiveFailures; a reachable one replaces them and resets it.
 * lastHealthyAt moves only on healthy checks.
 */
import { sql } from "drizzle-orm";
import { resultRows } from "../../../drizzle/drivers/rows.ts";
import type { ApiServerStatus } from "../../../drizzle/schema/cluster-states.ts";
import type { ProbeResult } from "../../lib/kube-probe/types.ts";
import type { ServiceCall } from "../context.ts";
import { apiServerStatusOf, degradedReason } from "./cluster-state-status.ts";

export interface RecordClusterCheckInput {
  clusterId: string;
  /** the cluster_kubeconfigs.version the check used */
  kubeconfigVersion: number;
  /** when the check started */
  checkedAt: Date;
  result: ProbeResult;
}

export interface RecordedClusterCheck {
  status: ApiServerStatus;
  /** false: a newer check, kubeconfig or the cluster's deletion won; nothing was written */
  written: boolean;
  /** the status the row had before (null: never checked, or not written) */
  previousStatus: ApiServerStatus | null;
  consecutiveFailures: number | null;
}

export async function recordClusterCheck({
  ctx,
  input,
}: ServiceCall<RecordClusterCheckInput>): Promise<RecordedClusterCheck> {
  const { result, clusterId, kubeconfigVersion } = input;
  const status = apiServerStatusOf(result);
  const reachable = result.reachable;
  const figures = result.reachable ? result : undefined;
  const checkedAt = input.checkedAt.toISOString();
  const rows = resultRows<{ consecutive_failures: number; previous_status: ApiServerStatus | null }>(
    await ctx.db.execute(sql`
      with previous as (select status from cluster_states where cluster_id = ${clusterId}::uuid)
      insert into cluster_states (
        cluster_id, status, error, kubernetes_version, node_count_total, node_count_ready,
        cpu_capacity_millis, memory_capacity_bytes, cpu_allocatable_millis, memory_allocatable_bytes,
        latency_ms, kubeconfig_version, checked_at, last_healthy_at, consecutive_failures)
      select ${clusterId}::uuid, ${status}, ${degradedReason(result)}, ${result.gitVersion ?? null},
        ${figures?.nodes.total ?? null}::integer, ${figures?.nodes.ready ?? null}::integer,
        ${figures?.capacity.cpuMillis ?? null}::bigint, ${figures?.capacity.memoryBytes ?? null}::bigint,
        ${figures?.allocatable.cpuMillis ?? null}::bigint, ${figures?.allocatable.memoryBytes ?? null}::bigint,
        ${result.latencyMs ?? null}::integer, ${kubeconfigVersion}::integer, ${checkedAt}::timestamptz,
        ${status === "healthy" ? checkedAt : null}::timestamptz, ${reachable ? 0 : 1}::integer
      where exists (
        select 1 from cluster_kubeconfigs k join clusters c on c.id = k.cluster_id
        where k.cluster_id = ${clusterId}::uuid and k.version = ${kubeconfigVersion}::integer
          and c.deleted_at is null
        -- a removal (which deletes this row and then the state) waits for this write, or this write
        -- sees the kubeconfig gone: a check can never leave a state behind a removed kubeconfig
        for share of k)
      on conflict (cluster_id) do update set
        status = excluded.status,
        error = excluded.error,
        kubernetes_version = coalesce(excluded.kubernetes_version, cluster_states.kubernetes_version),
        node_count_total = case when ${reachable}::boolean then excluded.node_count_total
          else cluster_states.node_count_total end,
        node_count_ready = case when ${reachable}::boolean then excluded.node_count_ready
          else cluster_states.node_count_ready end,
        cpu_capacity_millis = case when ${reachable}::boolean then excluded.cpu_capacity_millis
          else cluster_states.cpu_capacity_millis end,
        memory_capacity_bytes = case when ${reachable}::boolean then excluded.memory_capacity_bytes
          else cluster_states.memory_capacity_bytes end,
        cpu_allocatable_millis = case when ${reachable}::boolean then excluded.cpu_allocatable_millis
          else cluster_states.cpu_allocatable_millis end,
        memory_allocatable_bytes = case when ${reachable}::boolean then excluded.memory_allocatable_bytes
          else cluster_states.memory_allocatable_bytes end,
        latency_ms = excluded.latency_ms,
        kubeconfig_version = excluded.kubeconfig_version,
        checked_at = excluded.checked_at,
        last_healthy_at = coalesce(excluded.last_healthy_at, cluster_states.last_healthy_at),
        consecutive_failures = case when ${reachable}::boolean then 0
          else cluster_states.consecutive_failures + 1 end
      where excluded.kubeconfig_version >= cluster_states.kubeconfig_version
        and excluded.checked_at >= cluster_states.checked_at
      returning consecutive_failures, (select status from previous) as previous_status`),
  );
  const row = rows[0];
  return {
    status,
    written: row !== undefined,
    previousStatus: row?.previous_status ?? null,
    consecutiveFailures: row?.consecutive_failures ?? null,
  };
}
