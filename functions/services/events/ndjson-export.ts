/**
 * The one export helper behind /v1/events/export and /v1/audit/export: walks
 * a newest-first keyset listing in batches and streams it as NDJSON (one JSON
 * object per line). At most one batch is in memory at a time: the stream pulls
 * the next batch only when the reader has taken the previous one, so a
 * million-row export costs the same memory as a thousand-row one. A
 * ReadableStream, so the same code streams on Node and in Workers.
 */
import type { Logger } from "../../../shared/logger.ts";
import type { KeysetPosition } from "./keyset.ts";

export const EXPORT_BATCH_SIZE = 1000;
export const EXPORT_MAX_ROWS = 1_000_000;
export const EXPORT_DEFAULT_ROWS = 100_000;
export const NDJSON_CONTENT_TYPE = "application/x-ndjson";

export interface KeysetSource<Row> {
  /** Up to `size` rows strictly after `after` (null: from the newest), in export order. */
  fetch(after: KeysetPosition | null, size: number): Promise<Row[]>;
  positionOf(row: Row): KeysetPosition;
  /** The JSON object written for the row. */
  present(row: Row): unknown;
}

export interface NdjsonExportOptions<Row> {
  source: KeysetSource<Row>;
  /** total rows at most; the export ends there even if more match */
  limit: number;
  batchSize?: number;
  logger: Logger;
  /** Called exactly once when the stream ends, fails or is cancelled (releases the database). */
  onClose?: () => Promise<void>;
}

/**
 * Fetches the first batch before returning, so a failing query still becomes
 * an error response; a failure after that can only cut the stream short (the
 * 200 status is already sent) and is logged.
 */
export async function ndjsonExport<Row>(opts: NdjsonExportOptions<Row>): Promise<ReadableStream<Uint8Array>> {
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? EXPORT_BATCH_SIZE, opts.limit));
  const encoder = new TextEncoder();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await opts.onClose?.().catch((err: unknown) => opts.logger.warn("export cleanup failed", { error: err }));
  };

  let sent = 0;
  let position: KeysetPosition | null = null;
  let exhausted = false;
  let prefetched: Row[] | null;
  try {
    prefetched = await opts.source.fetch(null, batchSize);
  } catch (err) {
    await close();
    throw err;
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const size = Math.min(batchSize, opts.limit - sent);
        const rows = exhausted || size <= 0 ? [] : (prefetched ?? (await opts.source.fetch(position, size)));
        prefetched = null;
        if (rows.length === 0) {
          await close();
          controller.close();
          return;
        }
        sent += rows.length;
        // A short batch means the listing is exhausted: no need to ask again.
        exhausted = rows.length < size;
        position = opts.source.positionOf(rows[rows.length - 1]!);
        controller.enqueue(
          encoder.encode(rows.map((row) => `${JSON.stringify(opts.source.present(row))}\n`).join("")),
        );
      } catch (err) {
        opts.logger.error("export stream failed", { error: err, rowsSent: sent });
        await close();
        controller.error(err);
      }
    },
    async cancel() {
      await close();
    },
  });
}
