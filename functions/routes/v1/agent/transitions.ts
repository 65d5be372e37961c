import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { reportTransitions } from "../../../services/agent/report-transitions.ts";
import { AGENT_ERRORS, TransitionsRequest, TransitionsResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/transitions",
  operationId: "agentApplyTransitions",
  tags: ["agent"],
  summary: "Apply a batch of machine transitions, each on its own",
  description:
    "Every item is a separate guarded transition: results say per item whether it applied " +
    "(with the machine's new status and version) or why not (stale_version, illegal_transition, " +
    "not_found for machines outside the caller's cluster). The response is 200 whatever the mix.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: TransitionsRequest } } } },
  responses: {
    200: {
      description: "Per-item results and a summary",
      content: { "application/json": { schema: TransitionsResponse } },
    },
    ...errorResponses(...AGENT_ERRORS, "validation_failed", "bad_request"),
  },
});

export const registerAgentTransitions = defineRoute({
  route,
  access: "agent",
  audit: { action: "machine.transitions", resourceType: "machine" },
  run: async (c, { ctx, principal: agent }) => {
    const { items } = c.req.valid("json");
    return c.json(await reportTransitions({ ctx, input: { clusterId: agent.clusterId, items } }), 200);
  },
});
