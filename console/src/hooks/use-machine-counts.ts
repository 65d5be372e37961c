/**
 * Machines by status across what the token sees, in one request:
 * GET /v1/machines/summary counts them server-side in one grouped query, so
 * the clusters' counts and the free inventory's come from the same moment
 * (a machine assigned meanwhile is counted once) and cost the same for ten
 * machines or a hundred thousand. A cluster-scoped token's answer holds its
 * cluster only, its free inventory all zeros.
 */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client.ts";
import type { MachineSummary } from "../api/types.ts";
import type { MachineState } from "../components/status-tag.tsx";

export interface StatusCountRow {
  group: string;
  counts: Record<MachineState, number>;
}

export function useMachineSummary() {
  return useQuery({ queryKey: ["machine-summary"], queryFn: () => unwrap(api.GET("/v1/machines/summary")) });
}

/** One bar per cluster, then the free inventory's when it holds any machine. */
export function statusCountRows(summary: MachineSummary | undefined): StatusCountRow[] {
  if (!summary) return [];
  const rows = summary.clusters.map((c) => ({ group: c.clusterName, counts: c.byStatus }));
  if (summary.free.total > 0) rows.push({ group: "free inventory", counts: summary.free.byStatus });
  return rows;
}
