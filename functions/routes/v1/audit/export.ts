import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { exportAudit } from "../../../services/audit/export-audit.ts";
import { NDJSON_CONTENT_TYPE } from "../../../services/events/ndjson-export.ts";
import { ExportLimitQuery, NDJSON_RESPONSE_SCHEMA, timeRange } from "../events/schemas.ts";
import { ndjsonResponse, streamingContext } from "../events/streaming.ts";
import { AUDIT_READER_ROLE, AuditFilterQuery } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/audit/export",
  operationId: "exportAudit",
  tags: ["audit"],
  summary: "Export audit log entries as NDJSON, newest first, streamed (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: AuditFilterQuery.extend(ExportLimitQuery.shape) },
  responses: {
    200: {
      description: "One AuditEntry object per line",
      // typed as string so the handler may return the streaming Response itself
      content: { [NDJSON_CONTENT_TYPE as string]: { schema: NDJSON_RESPONSE_SCHEMA } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerExportAudit = defineRoute({
  route,
  access: AUDIT_READER_ROLE,
  run: async (c, call) => {
    const query = c.req.valid("query");
    const { ctx, release } = await streamingContext(c, call.ctx);
    const stream = await exportAudit({
      ctx,
      input: { ...query, ...timeRange(query), scopeClusterId: call.principal.clusterId, onClose: release },
    });
    return ndjsonResponse(c, stream, "audit.ndjson");
  },
});
