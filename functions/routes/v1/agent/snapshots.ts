import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { recordSnapshots } from "../../../services/agent/record-snapshots.ts";
import { AGENT_ERRORS, SnapshotsRequest, SnapshotsResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/snapshots",
  operationId: "agentPushSnapshots",
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

export const registerAgentSnapshots = defineRoute({
  route,
  access: "agent",
  // high frequency, low value: listed in UNAUDITED_ROUTES
  audit: false,
  run: async (c, { ctx, principal: agent }) => {
    const body = c.req.valid("json");
    return c.json(await recordSnapshots({ ctx, input: { ...body, clusterId: agent.clusterId } }), 201);
  },
});
