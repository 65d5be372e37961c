import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listAudit } from "../../../services/audit/list-audit.ts";
import { timeRange } from "../events/schemas.ts";
import { AUDIT_READER_ROLE, AuditEntrySchema, AuditFilterQuery } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/audit",
  operationId: "listAuditEntries",
  tags: ["audit"],
  summary: "List audit log entries, newest first (admin; scoped tokens see their cluster's)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: PageQuerySchema.extend(AuditFilterQuery.shape) },
  responses: {
    200: {
      description: "A page of audit entries, newest first",
      content: { "application/json": { schema: pageOf(AuditEntrySchema, "AuditPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerListAudit = defineRoute({
  route,
  access: AUDIT_READER_ROLE,
  run: async (c, { ctx, principal }) => {
    const query = c.req.valid("query");
    const input = { ...query, ...timeRange(query), scopeClusterId: principal.clusterId };
    return c.json(await listAudit({ ctx, input }), 200);
  },
});
