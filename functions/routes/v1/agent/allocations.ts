import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { isAppError } from "../../../lib/errors.ts";
import { allocateMachines } from "../../../services/agent/allocate-machines.ts";
import { AGENT_ERRORS, AllocationRequest, AllocationResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/allocations",
  operationId: "agentAllocateMachines",
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

/** The pool could not give what was asked; other errors (conflict, validation) are no allocation at all. */
const REFUSALS = new Set<string>(["pool_at_max", "not_enough_machines", "pool_disabled"]);

export const registerAgentAllocations = defineRoute({
  route,
  access: "agent",
  audit: { action: "pool.allocate", resourceType: "pool" },
  run: async (c, { ctx, principal: agent }) => {
    const body = c.req.valid("json");
    const { metrics } = c.get("scope").deps;
    const allocation = await allocateMachines({ ctx, input: { ...body, clusterId: agent.clusterId } }).catch(
      (err: unknown) => {
        if (isAppError(err) && REFUSALS.has(err.code)) metrics.allocation("refused", body.delta);
        throw err;
      },
    );
    // a replay (created: false) reserved nothing now; its machines were counted the first time
    if (allocation.created) metrics.allocation("granted", allocation.machines.length);
    return c.json(allocation, 200);
  },
});
