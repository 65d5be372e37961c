/**
 * Exports stream after the handler has returned, when the request's own
 * database lease is already given back (in a Worker, closed). So a stream
 * reads through a lease of its own, released when the stream ends or the
 * client goes away. Shared by /v1/events/export and /v1/audit/export.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../../http/hono-env.ts";
import type { ServiceContext } from "../../../services/context.ts";
import { NDJSON_CONTENT_TYPE } from "../../../services/events/ndjson-export.ts";

export async function streamingContext(
  c: Context<AppEnv>,
  base: ServiceContext,
): Promise<{ ctx: ServiceContext; release: () => Promise<void> }> {
  const lease = await c.get("scope").deps.databases.acquire();
  return { ctx: { ...base, db: lease.database.db }, release: () => lease.release() };
}

export function ndjsonResponse(c: Context<AppEnv>, stream: ReadableStream<Uint8Array>, filename: string) {
  return c.body(stream, 200, {
    "content-type": NDJSON_CONTENT_TYPE,
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "no-store",
  });
}
