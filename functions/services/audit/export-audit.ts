/** Every audit row matching the filters (up to `limit`), newest first, as an NDJSON stream. */
import type { ServiceCall } from "../context.ts";
import { ndjsonExport } from "../events/ndjson-export.ts";
import { type AuditFilters, auditSource } from "./audit-source.ts";

export interface ExportAuditInput extends AuditFilters {
  limit: number;
  /** releases the database the stream reads from, once it is done */
  onClose?: () => Promise<void>;
}

export function exportAudit({
  ctx,
  input,
}: ServiceCall<ExportAuditInput>): Promise<ReadableStream<Uint8Array>> {
  return ndjsonExport({
    source: auditSource(ctx.db, input),
    limit: input.limit,
    logger: ctx.logger,
    onClose: input.onClose,
  });
}
