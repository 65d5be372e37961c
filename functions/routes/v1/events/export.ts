import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { exportEvents } from "../../../services/events/export-events.ts";
import { NDJSON_CONTENT_TYPE } from "../../../services/events/ndjson-export.ts";
import { EventFilterQuery, ExportLimitQuery, NDJSON_RESPONSE_SCHEMA, timeRange } from "./schemas.ts";
import { ndjsonResponse, streamingContext } from "./streaming.ts";

const route = createRoute({
  method: "get",
  path: "/v1/events/export",
  operationId: "exportEvents",
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

export const registerExportEvents = defineRoute({
  route,
  access: "viewer",
  run: async (c, call) => {
    const query = c.req.valid("query");
    const { ctx, release } = await streamingContext(c, call.ctx);
    const stream = await exportEvents({
      ctx,
      input: { ...query, ...timeRange(query), scopeClusterId: call.principal.clusterId, onClose: release },
    });
    return ndjsonResponse(c, stream, "events.ndjson");
  },
});
