import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { recordHeartbeat } from "../../../services/agent/heartbeat.ts";
import { AGENT_ERRORS, HeartbeatRequest, HeartbeatResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/heartbeat",
  operationId: "agentHeartbeat",
  tags: ["agent"],
  summary: "Report that the agent is alive, with its versions, node counts and leader",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: HeartbeatRequest } } } },
  responses: {
    200: {
      description: "Recorded; stateVersion tells whether /v1/agent/state changed",
      content: { "application/json": { schema: HeartbeatResponse } },
    },
    ...errorResponses(...AGENT_ERRORS, "validation_failed", "bad_request", "not_found"),
  },
});

export const registerAgentHeartbeat = defineRoute({
  route,
  access: "agent",
  // high frequency, low value: listed in UNAUDITED_ROUTES
  audit: false,
  run: async (c, { ctx, principal: agent }) => {
    const body = c.req.valid("json");
    // half the degraded threshold: see services/agent/heartbeat.ts
    const writeEveryMs = Math.floor(c.get("scope").deps.config.policy.heartbeatDegradedMs / 2);
    const input = { ...body, clusterId: agent.clusterId, writeEveryMs };
    return c.json(await recordHeartbeat({ ctx, input }), 200);
  },
});
