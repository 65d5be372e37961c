import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { requireAgent } from "../../../services/auth/principal.ts";
import { allocateMachines } from "../../../services/agent/allocate-machines.ts";
import { AGENT_ERRORS, AllocationRequest, AllocationResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/allocations",
  tags: ["agent"],
  summary: "Reserve machines for a pool's scale-up, idempotent by requestId",
  description:
    "A retry with the same requestId returns the same machines (created: false); the same requestId " +
    "with another poolId or delta is a 409 conflict. Failures (pool_at_max, not_enough_machines, " +
    "pool_disabled; details carry the counts) are not remembered, so a later retry may succeed.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: AllocationRequest } } } },
  responses: {
    200: {
      description: "The reserved machines (new or replayed)",
      content: { "application/json": { schema: AllocationResponse } },
    },
    ...errorResponses(
      ...AGENT_ERRORS,
      "validation_failed",
      "bad_request",
      "not_found",
      "conflict",
      "pool_at_max",
      "not_enough_machines",
      "pool_disabled",
    ),
  },
});

export function registerAgentAllocations(app: App): void {
  app.openapi(route, async (c) => {
    const agent = requireAgent(c.get("principal"));
    const body = c.req.valid("json");
    setAudit(c, {
      action: "pool.allocate",
      resourceType: "pool",
      resourceId: body.poolId,
      clusterId: agent.clusterId,
      changes: { ...body },
    });
    const ctx = await c.get("scope").serviceContext(agent.actor);
    const allocation = await allocateMachines({ ctx, input: { ...body, clusterId: agent.clusterId } });
    return c.json(allocation, 200);
  });
}
