import { createRoute } from "@hono/zod-openapi";
import { ScalingRefusalRequestSchema, ScalingRefusalResponseSchema } from "../../../../proto/agent-api.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { recordAgentRefusal } from "../../../services/scaling/record-agent-refusal.ts";
import { AGENT_ERRORS } from "./schemas.ts";

const ScalingRefusalRequest = ScalingRefusalRequestSchema.openapi("AgentScalingRefusalRequest");
const ScalingRefusalResponse = ScalingRefusalResponseSchema.openapi("AgentScalingRefusalResponse");

const route = createRoute({
  method: "post",
  path: "/v1/agent/scaling-refusals",
  operationId: "agentReportScalingRefusal",
  tags: ["agent"],
  summary: "Report a scale request the agent refused itself (max, min, maintenance), for the pool's status",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    body: { required: true, content: { "application/json": { schema: ScalingRefusalRequest } } },
  },
  responses: {
    201: {
      description: "Recorded as the pool's latest scale decision (identical repeats coalesced)",
      content: { "application/json": { schema: ScalingRefusalResponse } },
    },
    ...errorResponses(...AGENT_ERRORS, "validation_failed", "bad_request", "not_found"),
  },
});

export const registerAgentScalingRefusals = defineRoute({
  route,
  access: "agent",
  run: async (c, { ctx, principal: agent }) => {
    const body = c.req.valid("json");
    return c.json(await recordAgentRefusal({ ctx, input: { ...body, clusterId: agent.clusterId } }), 201);
  },
});
