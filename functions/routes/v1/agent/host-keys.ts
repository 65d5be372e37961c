import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { pinHostKeys } from "../../../services/agent/pin-host-keys.ts";
import { AGENT_ERRORS, HostKeysRequest, HostKeysResponse } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/agent/host-keys",
  operationId: "agentPinHostKeys",
  tags: ["agent"],
  summary: "Pin the SSH host keys the agent learned on first use, each on its own",
  description:
    "Stores each machine's host key fingerprint only while it has none (pin-on-first-use), so every " +
    "replica checks the same key. Per item: pinned (ok, pinned: true), the same key already pinned " +
    "(ok, pinned: false: a retry), another key pinned (conflict, details.pinned names it; never " +
    "overwritten), not_found for machines outside the caller's cluster. The response is 200 whatever the mix.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: HostKeysRequest } } } },
  responses: {
    200: {
      description: "Per-item results and a summary",
      content: { "application/json": { schema: HostKeysResponse } },
    },
    ...errorResponses(...AGENT_ERRORS, "validation_failed", "bad_request"),
  },
});

export const registerAgentHostKeys = defineRoute({
  route,
  access: "agent",
  audit: { action: "machine.host_keys", resourceType: "machine" },
  run: async (c, { ctx, principal: agent }) => {
    const { items } = c.req.valid("json");
    return c.json(await pinHostKeys({ ctx, input: { clusterId: agent.clusterId, items } }), 200);
  },
});
