import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { assertClusterAccess, clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { listEvents } from "../../../services/events/list-events.ts";
import { EventFilterQuery, EventSchema, timeRange } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/events",
  tags: ["events"],
  summary: "List events and operations, newest first (viewer; scoped tokens see their cluster's)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: PageQuerySchema.extend(EventFilterQuery.shape) },
  responses: {
    200: {
      description: "A page of events, newest first",
      content: { "application/json": { schema: pageOf(EventSchema, "EventPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerListEvents(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const query = c.req.valid("query");
    if (query.clusterId) assertClusterAccess(principal, query.clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const page = await listEvents({
      ctx,
      input: { ...query, ...timeRange(query), scopeClusterId: clusterScopeOf(principal) },
    });
    return c.json(page, 200);
  });
}
