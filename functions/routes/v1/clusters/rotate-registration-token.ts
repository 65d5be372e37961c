import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { rotateRegistrationToken } from "../../../services/clusters/registration-token.ts";
import { RegistrationTokenSchema } from "./schemas.ts";

const RotatedSchema = RegistrationTokenSchema.extend({ clusterId: z.uuid() }).openapi(
  "RotatedRegistrationToken",
);

const route = createRoute({
  method: "post",
  path: "/v1/clusters/{clusterId}/registration-token",
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

export function registerRotateRegistrationToken(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "admin");
    const { clusterId } = c.req.valid("param");
    assertClusterAccess(principal, clusterId);
    setAudit(c, {
      action: "cluster.registration_token.rotate",
      resourceType: "cluster",
      resourceId: clusterId,
      clusterId,
    });
    const scope = c.get("scope");
    const ctx = await scope.serviceContext(principal.actor);
    const rotated = await rotateRegistrationToken({
      ctx,
      input: { clusterId, registrationTokenTtlMs: scope.deps.config.policy.registrationTokenTtlMs },
    });
    return c.json(rotated, 201);
  });
}
