import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { rotateEncryptionNow } from "../../../services/secrets/rotate-now.ts";
import { RotationResultSchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/encryption/rotate",
  operationId: "rotateEncryption",
  tags: ["encryption"],
  summary: "Re-encrypt secrets still on an older key with the current one, one bounded pass now (admin)",
  description:
    "What the rotate-encryption job does on every tick, without waiting for it: batches of values still " +
    "on an older key are sealed again with the current key until none is left or the pass's bound is " +
    "reached (complete: false; call again). A value another writer replaced meanwhile is skipped.",
  security: [{ [BEARER_SCHEME]: [] }],
  responses: {
    200: {
      description: "What the pass did",
      content: { "application/json": { schema: RotationResultSchema } },
    },
    ...errorResponses("unauthorized", "forbidden", "conflict", "dependency_unavailable"),
  },
});

export const registerRotateEncryption = defineRoute({
  route,
  access: "admin",
  unscopedOnly: "encryption keys span the fleet: a cluster-scoped token cannot rotate them",
  audit: { action: "encryption.rotate", resourceType: "encryption" },
  run: async (c, { ctx }) => c.json(await rotateEncryptionNow({ ctx, input: {} }), 200),
});
