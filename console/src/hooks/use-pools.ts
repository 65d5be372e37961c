/** A cluster's pools (a short list) and one pool's live status. */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client.ts";
import { fetchAll } from "../api/pages.ts";
import type { Pool } from "../api/types.ts";

export function usePools(clusterId: string | undefined) {
  return useQuery({
    queryKey: ["pools", clusterId],
    enabled: Boolean(clusterId),
    queryFn: () =>
      fetchAll<Pool>((limit, cursor) =>
        unwrap(
          api.GET("/v1/clusters/{clusterId}/pools", {
            params: { path: { clusterId: clusterId! }, query: { limit, cursor } },
          }),
        ),
      ),
  });
}

export function usePoolStatus(clusterId: string, poolId: string) {
  return useQuery({
    queryKey: ["pool-status", clusterId, poolId],
    refetchInterval: 15_000,
    queryFn: () =>
      unwrap(
        api.GET("/v1/clusters/{clusterId}/pools/{poolId}/status", {
          params: { path: { clusterId, poolId } },
        }),
      ),
  });
}
