import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { assertClusterAccess, clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { listAudit } from "../../../services/audit/list-audit.ts";
import { timeRange } from "../events/schemas.ts";
import { AUDIT_READER_ROLE, AuditEntrySchema, AuditFilterQuery } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/audit",
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

export function registerListAudit(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), AUDIT_READER_ROLE);
    const query = c.req.valid("query");
    if (query.clusterId) assertClusterAccess(principal, query.clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const page = await listAudit({
      ctx,
      input: { ...query, ...timeRange(query), scopeClusterId: clusterScopeOf(principal) },
    });
    return c.json(page, 200);
  });
}
