/** Every event matching the filters (up to `limit`), newest first, as an NDJSON stream. */
import type { ServiceCall } from "../context.ts";
import type { EventFilters } from "./event-filters.ts";
import { eventSource } from "./event-source.ts";
import { ndjsonExport } from "./ndjson-export.ts";

export interface ExportEventsInput extends EventFilters {
  limit: number;
  /** releases the database the stream reads from, once it is done */
  onClose?: () => Promise<void>;
}

export function exportEvents({
  ctx,
  input,
}: ServiceCall<ExportEventsInput>): Promise<ReadableStream<Uint8Array>> {
  return ndjsonExport({
    source: eventSource(ctx.db, input),
    limit: input.limit,
    logger: ctx.logger,
    onClose: input.onClose,
  });
}
