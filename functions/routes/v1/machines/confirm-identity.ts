import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { confirmMachineIdentity } from "../../../services/machines/confirm-identity.ts";
import { VersionBody } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/machines/{machineId}/confirm-identity",
  operationId: "confirmMachineIdentity",
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
      "conflict",
      "stale_version",
      "unsupported_media_type",
    ),
  },
});

export const registerConfirmMachineIdentity = defineRoute({
  route,
  access: "operator",
  // refused before the machine is looked up (by id or hostname), as the service would refuse it
  unscopedOnly:
    "only an unscoped operator or admin token can confirm a machine's SSH identity; this token is scoped to a cluster",
  audit: { action: "machine.confirm_identity", resourceType: "machine" },
  run: async (c, { ctx, principal }) => {
    const { machineId } = c.req.valid("param");
    const { expectedVersion } = c.req.valid("json");
    const machine = await confirmMachineIdentity({
      ctx,
      input: { machineId, scopeClusterId: principal.clusterId, expectedVersion },
    });
    return c.json(presentMachine(machine), 200);
  },
});
