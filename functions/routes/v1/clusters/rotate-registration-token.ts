import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { rotateRegistrationToken } from "../../../services/clusters/registration-token.ts";
import { RegistrationTokenSchema } from "./schemas.ts";

const RotatedSchema = RegistrationTokenSchema.extend({ clusterId: z.uuid() }).openapi(
  "RotatedRegistrationToken",
);

const route = createRoute({
  method: "post",
  path: "/v1/clusters/{clusterId}/registration-token",
  operationId: "rotateClusterRegistrationToken",
  tags: ["clusters"],
  summary: "Issue a new one-time registration token; the previous one stops working (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: ClusterIdParams },
  responses: {
    201: {
      description: "The new token, shown only in this response",
      content: { "application/json": { schema: RotatedSchema } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerRotateRegistrationToken = defineRoute({
  route,
  access: "admin",
  audit: { action: "cluster.registration_token.rotate", resourceType: "cluster" },
  run: async (c, { ctx }) => {
    const { clusterId } = c.req.valid("param");
    const registrationTokenTtlMs = c.get("scope").deps.config.policy.registrationTokenTtlMs;
    return c.json(await rotateRegistrationToken({ ctx, input: { clusterId, registrationTokenTtlMs } }), 201);
  },
});
