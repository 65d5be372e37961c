import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { errorResponses } from "../../../http/openapi.ts";
import { hashToken } from "../../../lib/tokens.ts";
import { registrationLimitByCluster } from "../../../middleware/rate-limit.ts";
import { registerAgent } from "../../../services/agent/register-agent.ts";
import { RegisterAgentRequest, RegisterAgentResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/register",
  operationId: "agentRegister",
  tags: ["agent"],
  summary: "Trade a one-time registration token for the cluster's agent credential",
  description:
    "Open path: the registration token in the body is the credential. Unknown, used, expired and " +
    "mismatched tokens all answer the same 401. Rate limited per client address and per cluster.",
  security: [],
  request: {
    body: { required: true, content: { "application/json": { schema: RegisterAgentRequest } } },
  },
  responses: {
    201: {
      description: "The agent credential, shown only in this response",
      content: { "application/json": { schema: RegisterAgentResponse } },
    },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "rate_limited"),
  },
});

export const registerRegisterAgent = defineRoute({
  route,
  // the registration token in the body is the credential
  access: "open",
  actor: "agent-registration",
  audit: { action: "agent.register", resourceType: "cluster" },
  run: async (c, { ctx }) => {
    const body = c.req.valid("json");
    // Per cluster: by the name it claims, or else by the token (which belongs to one cluster).
    await registrationLimitByCluster(
      c,
      body.clusterName ?? `token:${(await hashToken(body.registrationToken)).slice(0, 32)}`,
    );
    return c.json(await registerAgent({ ctx, input: body }), 201);
  },
});
