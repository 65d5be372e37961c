import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { assertClusterAccess, clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { exportAudit } from "../../../services/audit/export-audit.ts";
import { NDJSON_CONTENT_TYPE } from "../../../services/events/ndjson-export.ts";
import { ExportLimitQuery, NDJSON_RESPONSE_SCHEMA, timeRange } from "../events/schemas.ts";
import { ndjsonResponse, streamingContext } from "../events/streaming.ts";
import { AUDIT_READER_ROLE, AuditFilterQuery } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/audit/export",
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

export function registerExportAudit(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), AUDIT_READER_ROLE);
    const query = c.req.valid("query");
    if (query.clusterId) assertClusterAccess(principal, query.clusterId);
    const { ctx, release } = await streamingContext(c, principal.actor);
    const stream = await exportAudit({
      ctx,
      input: { ...query, ...timeRange(query), scopeClusterId: clusterScopeOf(principal), onClose: release },
    });
    return ndjsonResponse(c, stream, "audit.ndjson");
  });
}
