import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { requireAgent } from "../../../services/auth/principal.ts";
import { rotateAgentCredential } from "../../../services/agent/rotate-credential.ts";
import { AGENT_ERRORS, RotatedCredential } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/credential/rotate",
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

export function registerRotateAgentCredential(app: App): void {
  app.openapi(route, async (c) => {
    const agent = requireAgent(c.get("principal"));
    setAudit(c, {
      action: "agent.credential.rotate",
      resourceType: "cluster",
      resourceId: agent.clusterId,
      clusterId: agent.clusterId,
    });
    const ctx = await c.get("scope").serviceContext(agent.actor);
    return c.json(await rotateAgentCredential({ ctx, input: { clusterId: agent.clusterId } }), 201);
  });
}
