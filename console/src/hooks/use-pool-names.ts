/** Pool names by id across the visible clusters (pools are few; machines are many). */
import { useQueries } from "@tanstack/react-query";
import { api, unwrap } from "../api/client.ts";
import { fetchAll } from "../api/pages.ts";
import type { Pool } from "../api/types.ts";
import { useClusters } from "./use-clusters.ts";

export function usePoolNames(): (id: string | null | undefined) => string {
  const clusters = useClusters();
  const pools = useQueries({
    queries: (clusters.data ?? []).map((c) => ({
      queryKey: ["pools", c.id],
      queryFn: () =>
        fetchAll<Pool>((limit, cursor) =>
          unwrap(
            api.GET("/v1/clusters/{clusterId}/pools", {
              params: { path: { clusterId: c.id }, query: { limit, cursor } },
            }),
          ),
        ),
    })),
  });
  const names = new Map<string, string>();
  for (const q of pools) for (const p of q.data ?? []) names.set(p.id, p.name);
  return (id) => (id ? (names.get(id) ?? id.slice(0, 8)) : "—");
}
