/** The clusters the token can see (a short list), and a name lookup for tables keyed by id. */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client.ts";
import { fetchAll } from "../api/pages.ts";
import type { Cluster } from "../api/types.ts";

export function useClusters() {
  return useQuery({
    queryKey: ["clusters"],
    queryFn: () =>
      fetchAll<Cluster>((limit, cursor) =>
        unwrap(api.GET("/v1/clusters", { params: { query: { limit, cursor } } })),
      ),
  });
}

export function useClusterNames(): (id: string | null | undefined) => string {
  const { data } = useClusters();
  return (id) => {
    if (!id) return "—";
    return data?.find((c) => c.id === id)?.name ?? id.slice(0, 8);
  };
}
