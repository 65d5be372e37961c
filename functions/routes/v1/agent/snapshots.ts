import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { skipAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { requireAgent } from "../../../services/auth/principal.ts";
import { recordSnapshots } from "../../../services/agent/record-snapshots.ts";
import { AGENT_ERRORS, SnapshotsRequest, SnapshotsResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/snapshots",
  tags: ["agent"],
  summary: "Push per-pool (and whole-cluster) resource figures",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: SnapshotsRequest } } } },
  responses: {
    201: {
      description: "Stored as raw snapshots",
      content: { "application/json": { schema: SnapshotsResponse } },
    },
    ...errorResponses(...AGENT_ERRORS, "validation_failed", "bad_request", "not_found"),
  },
});

export function registerAgentSnapshots(app: App): void {
  app.openapi(route, async (c) => {
    const agent = requireAgent(c.get("principal"));
    skipAudit(c);
    const ctx = await c.get("scope").serviceContext(agent.actor);
    const body = c.req.valid("json");
    return c.json(await recordSnapshots({ ctx, input: { ...body, clusterId: agent.clusterId } }), 201);
  });
}
