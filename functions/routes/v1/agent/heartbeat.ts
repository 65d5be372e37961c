import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { skipAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { requireAgent } from "../../../services/auth/principal.ts";
import { recordHeartbeat } from "../../../services/agent/heartbeat.ts";
import { AGENT_ERRORS, HeartbeatRequest, HeartbeatResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/heartbeat",
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

export function registerAgentHeartbeat(app: App): void {
  app.openapi(route, async (c) => {
    const agent = requireAgent(c.get("principal"));
    skipAudit(c);
    const ctx = await c.get("scope").serviceContext(agent.actor);
    const body = c.req.valid("json");
    return c.json(await recordHeartbeat({ ctx, input: { ...body, clusterId: agent.clusterId } }), 200);
  });
}
