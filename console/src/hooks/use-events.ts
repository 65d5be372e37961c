/** One page of events, filtered server-side (newest first). */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client.ts";
import type { paths } from "../api/schema.ts";

export type EventQuery = NonNullable<paths["/v1/events"]["get"]["parameters"]["query"]>;

export function useEvents(query: EventQuery, options: { refetchInterval?: number } = {}) {
  return useQuery({
    queryKey: ["events", query],
    placeholderData: keepPreviousData,
    refetchInterval: options.refetchInterval,
    queryFn: () => unwrap(api.GET("/v1/events", { params: { query } })),
  });
}
