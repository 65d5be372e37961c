import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { confirmMachineIdentity } from "../../../services/machines/confirm-identity.ts";
import { VersionBody } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/machines/{machineId}/confirm-identity",
  tags: ["machines"],
  summary: "Confirm a machine's SSH identity so any cluster may be given it (operator, unscoped)",
  description:
    "A machine whose address, user, key ref or host key was last set by a cluster-scoped token is " +
    "given only to that cluster's pools (allocation, assign, move) until an unscoped operator or " +
    "admin confirms it here. A cluster-scoped token is a 403.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: MachineIdParams,
    body: { required: false, content: { "application/json": { schema: VersionBody } } },
  },
  responses: {
    200: {
      description: "The machine, its identity confirmed",
      content: { "application/json": { schema: MachineSchema } },
    },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "stale_version",
      "unsupported_media_type",
    ),
  },
});

export function registerConfirmMachineIdentity(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { machineId } = c.req.valid("param");
    const { expectedVersion } = c.req.valid("json");
    setAudit(c, { action: "machine.confirm_identity", resourceType: "machine", resourceId: machineId });
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const machine = await confirmMachineIdentity({
      ctx,
      input: { machineId, scopeClusterId: clusterScopeOf(principal), expectedVersion },
    });
    setAudit(c, {
      action: "machine.confirm_identity",
      resourceType: "machine",
      clusterId: machine.clusterId,
    });
    return c.json(presentMachine(machine), 200);
  });
}
