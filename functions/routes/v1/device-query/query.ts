import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { DEFAULT_PAGE_SIZE } from "../../../http/pagination.ts";
import { deviceQuery } from "../../../services/device-query/device-query.ts";
import { presentMachine } from "../machines/schemas.ts";
import { DeviceQueryBody, DeviceQueryResultSchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/device-query",
  operationId: "queryDevices",
  tags: ["device-query"],
  summary: "The machines a query template matches (viewer)",
  description:
    "Give exactly one of templateId (a stored template) and template (inline); the machines must match " +
    "it and every extra group. A block on a missing field, label or taint is false, except ne, notin " +
    "and notexists, which are true. clusterId, poolId and unassigned narrow the search; a " +
    "cluster-scoped token sees only its cluster's machines, never the free inventory. Oldest first; " +
    "total counts every match. A read: not audited.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: DeviceQueryBody } } } },
  responses: {
    200: {
      description: "A page of matching machines and how many match in all",
      content: { "application/json": { schema: DeviceQueryResultSchema } },
    },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
    ),
  },
});

export const registerDeviceQuery = defineRoute({
  route,
  access: "viewer",
  // a read with a body: listed in UNAUDITED_ROUTES (http/audit.ts)
  audit: false,
  run: async (c, { ctx, principal }) => {
    const { limit, ...body } = c.req.valid("json");
    const input = { ...body, limit: limit ?? DEFAULT_PAGE_SIZE, scopeClusterId: principal.clusterId };
    const result = await deviceQuery({ ctx, input });
    return c.json({ ...result, items: result.items.map(presentMachine) }, 200);
  },
});
