/**
 * The agent's polling endpoint. The ETag is weak, `W/"<clusterId>:<stateVersion>"`:
 * the version names the state, not the exact bytes. A matching If-None-Match
 * is answered 304 from the state-version cache alone, without Postgres.
 */
import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import {
  agentStateTag,
  etagMatches,
  loadAgentState,
  stateEtag,
} from "../../../services/agent/agent-state.ts";
import { AGENT_ERRORS, AgentState } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/agent/state",
  operationId: "agentGetState",
  tags: ["agent"],
  summary: "The cluster's pools and machines, with an ETag for conditional polling",
  security: [{ [BEARER_SCHEME]: [] }],
  responses: {
    200: {
      description: 'Current state; ETag W/"<clusterId>:<stateVersion>"',
      content: { "application/json": { schema: AgentState } },
    },
    304: { description: "Unchanged since the ETag given in If-None-Match" },
    ...errorResponses(...AGENT_ERRORS, "not_found"),
  },
});

export const registerAgentState = defineRoute({
  route,
  access: "agent",
  run: async (c, { ctx, principal: agent }) => {
    const input = { clusterId: agent.clusterId };
    const current = await agentStateTag({ ctx, input });
    c.header("Cache-Control", "no-cache");
    if (etagMatches(c.req.header("if-none-match"), current)) {
      c.header("ETag", current);
      return c.body(null, 304);
    }
    const state = await loadAgentState({ ctx, input });
    c.header("ETag", stateEtag(state.clusterId, state.stateVersion));
    return c.json(state, 200);
  },
});
