/** One page of events / operations, newest first, with the filters of EventFilters. */
import { toPage } from "../../http/pagination.ts";
import type { ServiceCall } from "../context.ts";
import type { EventFilters } from "./event-filters.ts";
import { fetchEvents, positionOfEvent } from "./event-source.ts";
import { type EventView, toEventView } from "./event-view.ts";
import { positionFromCursor } from "./keyset.ts";

export interface ListEventsInput extends EventFilters {
  limit: number;
  cursor?: string | undefined;
}

export async function listEvents({
  ctx,
  input,
}: ServiceCall<ListEventsInput>): Promise<{ items: EventView[]; nextCursor: string | null }> {
  const after = input.cursor ? positionFromCursor(input.cursor) : null;
  const rows = await fetchEvents(ctx.db, input, after, input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r) => ({ ...positionOfEvent(r) }),
    (r) => toEventView(r.row),
  );
}
