/** Machines, filtered and paginated by the server; one machine; a machine's events. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client.ts";
import { fetchPage } from "../api/pages.ts";
import type { paths } from "../api/schema.ts";
import type { Machine } from "../api/types.ts";

export type MachineFilters = Omit<
  NonNullable<paths["/v1/machines"]["get"]["parameters"]["query"]>,
  "limit" | "cursor"
>;

export function useMachinePage(filters: MachineFilters, size: number, cursor: string | undefined) {
  return useQuery({
    queryKey: ["machines", filters, size, cursor],
    placeholderData: keepPreviousData,
    queryFn: () =>
      fetchPage<Machine>(
        (limit, c) =>
          unwrap(api.GET("/v1/machines", { params: { query: { ...filters, limit, cursor: c } } })),
        size,
        cursor,
      ),
  });
}

export function useMachine(machineId: string | null) {
  return useQuery({
    queryKey: ["machine", machineId],
    enabled: Boolean(machineId),
    queryFn: () =>
      unwrap(api.GET("/v1/machines/{machineId}", { params: { path: { machineId: machineId! } } })),
  });
}
