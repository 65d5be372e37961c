/**
 * The one route that hands out a private key: the stored SSH key of a
 * machine the caller's cluster holds (services/agent/release-ssh-key.ts
 * says when). The answer must not be cached anywhere on its way.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { UuidSchema } from "../../../http/params.ts";
import { releaseSshKey } from "../../../services/agent/release-ssh-key.ts";
import { AGENT_ERRORS, AgentSshKey } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/agent/machines/{machineId}/ssh-key",
  operationId: "agentGetSshKey",
  tags: ["agent"],
  summary: "The stored SSH key of a machine allocated to the caller's cluster",
  description:
    "Only while the machine is assigned to the caller's cluster and reserved, joining, ready, draining or " +
    'leaving, and its sshKeyRef (no ref: "default") names a stored key. Anything else, another cluster\'s ' +
    "machine, a free one, one that has left, or no such stored key, is the same 404. Every release is " +
    "audited (ssh_key.released). Keep the key in memory only; answered with Cache-Control: no-store.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: z.object({ machineId: UuidSchema.openapi({ param: { name: "machineId", in: "path" } }) }),
  },
  responses: {
    200: { description: "The key", content: { "application/json": { schema: AgentSshKey } } },
    ...errorResponses(...AGENT_ERRORS, "validation_failed", "not_found", "dependency_unavailable"),
  },
});

export const registerAgentSshKey = defineRoute({
  route,
  access: "agent",
  run: async (c, { ctx, principal: agent }) => {
    const { machineId } = c.req.valid("param");
    const key = await releaseSshKey({ ctx, input: { clusterId: agent.clusterId, machineId } });
    c.header("Cache-Control", "no-store");
    return c.json(key, 200);
  },
});
