import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { errorResponses } from "../../../http/openapi.ts";
import { hashToken } from "../../../lib/tokens.ts";
import { registrationLimitByCluster } from "../../../middleware/rate-limit.ts";
import { registerAgent } from "../../../services/agent/register-agent.ts";
import { RegisterAgentRequest, RegisterAgentResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/register",
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

export function registerRegisterAgent(app: App): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    // Per cluster: by the name it claims, or else by the token (which belongs to one cluster).
    await registrationLimitByCluster(
      c,
      body.clusterName ?? `token:${(await hashToken(body.registrationToken)).slice(0, 32)}`,
    );
    const entry = {
      action: "agent.register",
      resourceType: "cluster",
      changes: { agentVersion: body.agentVersion, kubernetesVersion: body.kubernetesVersion },
    };
    setAudit(c, entry);
    const ctx = await c.get("scope").serviceContext("agent-registration");
    const registered = await registerAgent({ ctx, input: body });
    setAudit(c, { ...entry, resourceId: registered.clusterId, clusterId: registered.clusterId });
    return c.json(registered, 201);
  });
}
