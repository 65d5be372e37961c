import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { assertClusterAccess, clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { exportEvents } from "../../../services/events/export-events.ts";
import { NDJSON_CONTENT_TYPE } from "../../../services/events/ndjson-export.ts";
import { EventFilterQuery, ExportLimitQuery, NDJSON_RESPONSE_SCHEMA, timeRange } from "./schemas.ts";
import { ndjsonResponse, streamingContext } from "./streaming.ts";

const route = createRoute({
  method: "get",
  path: "/v1/events/export",
  tags: ["events"],
  summary: "Export events as NDJSON, newest first, streamed (viewer; scoped tokens see their cluster's)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: EventFilterQuery.extend(ExportLimitQuery.shape) },
  responses: {
    200: {
      description: "One Event object per line",
      // typed as string so the handler may return the streaming Response itself
      content: { [NDJSON_CONTENT_TYPE as string]: { schema: NDJSON_RESPONSE_SCHEMA } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerExportEvents(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const query = c.req.valid("query");
    if (query.clusterId) assertClusterAccess(principal, query.clusterId);
    const { ctx, release } = await streamingContext(c, principal.actor);
    const stream = await exportEvents({
      ctx,
      input: { ...query, ...timeRange(query), scopeClusterId: clusterScopeOf(principal), onClose: release },
    });
    return ndjsonResponse(c, stream, "events.ndjson");
  });
}
