/**
 * Machines by status across what the token sees, without listing machines: the
 * clusters' own counts (assigned machines) plus the free inventory's, counted by
 * the device query (`total`, one row fetched per state).
 */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client.ts";
import type { Cluster } from "../api/types.ts";
import { MACHINE_STATES, type MachineState } from "../components/status-tag.tsx";

/** The states a machine outside every cluster can be in. */
const FREE_STATES: MachineState[] = ["available", "maintenance", "fault", "archived"];

async function freeCount(status: MachineState): Promise<number> {
  const result = await unwrap(
    api.POST("/v1/device-query", {
      body: {
        template: {
          logic: "and",
          groups: [
            { logic: "and", blocks: [{ type: "device", key: "status", operator: "eq", value: status }] },
          ],
        },
        unassigned: true,
        limit: 1,
      },
    }),
  );
  return result.total;
}

export interface StatusCountRow {
  group: string;
  counts: Record<MachineState, number>;
}

function zeroCounts(): Record<MachineState, number> {
  return Object.fromEntries(MACHINE_STATES.map((s) => [s, 0])) as Record<MachineState, number>;
}

export function useFreeInventoryCounts(enabled: boolean) {
  return useQuery({
    queryKey: ["free-inventory-counts"],
    enabled,
    queryFn: async (): Promise<Record<MachineState, number>> => {
      const counts = zeroCounts();
      const totals = await Promise.all(FREE_STATES.map(freeCount));
      FREE_STATES.forEach((s, i) => {
        counts[s] = totals[i] ?? 0;
      });
      return counts;
    },
  });
}

export function clusterCountRows(clusters: Cluster[]): StatusCountRow[] {
  return clusters.map((c) => {
    const counts = zeroCounts();
    for (const s of MACHINE_STATES) counts[s] = c.nodeCounts.byStatus[s] ?? 0;
    return { group: c.name, counts };
  });
}
