/** One page of events / operations, newest first, with the filters of EventFilters. */
import type { ServiceCall } from "../context.ts";
import { type Page, toPage } from "../pagination.ts";
import type { EventFilters } from "./event-filters.ts";
import { fetchEvents, positionOfEvent } from "./event-source.ts";
import { type EventView, toEventView } from "./event-view.ts";
import { positionFromCursor } from "./keyset.ts";

export interface ListEventsInput extends EventFilters {
  limit: number;
  cursor?: string | undefined;
}

export async function listEvents({ ctx, input }: ServiceCall<ListEventsInput>): Promise<Page<EventView>> {
  const after = input.cursor ? positionFromCursor(input.cursor) : null;
  const rows = await fetchEvents(ctx.db, input, after, input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r) => ({ ...positionOfEvent(r) }),
    (r) => toEventView(r.row),
  );
}
