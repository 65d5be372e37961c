import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { rotateAgentCredential } from "../../../services/agent/rotate-credential.ts";
import { AGENT_ERRORS, RotatedCredential } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/credential/rotate",
  operationId: "agentRotateCredential",
  tags: ["agent"],
  summary:
    "Replace the agent credential; the one used for this call is refused from the commit on, by every replica",
  security: [{ [BEARER_SCHEME]: [] }],
  responses: {
    201: {
      description: "The new credential, shown only in this response",
      content: { "application/json": { schema: RotatedCredential } },
    },
    ...errorResponses(...AGENT_ERRORS, "not_found"),
  },
});

export const registerRotateAgentCredential = defineRoute({
  route,
  access: "agent",
  audit: { action: "agent.credential.rotate", resourceType: "cluster" },
  run: async (c, { ctx, principal: agent }) => {
    return c.json(await rotateAgentCredential({ ctx, input: { clusterId: agent.clusterId } }), 201);
  },
});
