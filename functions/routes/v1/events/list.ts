import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listEvents } from "../../../services/events/list-events.ts";
import { EventFilterQuery, EventSchema, timeRange } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/events",
  operationId: "listEvents",
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

export const registerListEvents = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const query = c.req.valid("query");
    const input = { ...query, ...timeRange(query), scopeClusterId: principal.clusterId };
    return c.json(await listEvents({ ctx, input }), 200);
  },
});
