import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getEncryptionStatus } from "../../../services/secrets/encryption-status.ts";
import { EncryptionStatusSchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/encryption",
  operationId: "getEncryptionStatus",
  tags: ["encryption"],
  summary: "Secrets at rest by encryption key: what waits for rotation, which keys are missing (admin)",
  description:
    "Counts per table and key id, from one grouped query per table; never a value or key material. " +
    "An older key may be removed from KSP_ENCRYPTION_KEYS once pendingRotation is 0.",
  security: [{ [BEARER_SCHEME]: [] }],
  responses: {
    200: { description: "The status", content: { "application/json": { schema: EncryptionStatusSchema } } },
    ...errorResponses("unauthorized", "forbidden"),
  },
});

export const registerEncryptionStatus = defineRoute({
  route,
  access: "admin",
  unscopedOnly: "encryption keys span the fleet: a cluster-scoped token cannot see them",
  run: async (c, { ctx }) => c.json(await getEncryptionStatus({ ctx, input: {} }), 200),
});
