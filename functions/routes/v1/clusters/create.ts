import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { LabelsSchema } from "../../../http/params.ts";
import { requireRole } from "../../../services/auth/principal.ts";
import { AppError } from "../../../lib/errors.ts";
import { createCluster } from "../../../services/clusters/create-cluster.ts";
import {
  ClusterNameSchema,
  ClusterSchema,
  DescriptionSchema,
  healthThresholds,
  RegistrationTokenSchema,
} from "./schemas.ts";

const CreateClusterBody = z
  .strictObject({
    name: ClusterNameSchema,
    description: DescriptionSchema.optional(),
    labels: LabelsSchema.optional(),
  })
  .openapi("CreateClusterRequest");

const CreatedClusterSchema = RegistrationTokenSchema.extend({ cluster: ClusterSchema }).openapi(
  "CreatedCluster",
);

const route = createRoute({
  method: "post",
  path: "/v1/clusters",
  tags: ["clusters"],
  summary: "Create a cluster and its one-time registration token (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateClusterBody } } } },
  responses: {
    201: {
      description: "Created; the registration token is shown only in this response",
      content: { "application/json": { schema: CreatedClusterSchema } },
    },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "conflict"),
  },
});

export function registerCreateCluster(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "admin");
    const body = c.req.valid("json");
    setAudit(c, { action: "cluster.create", resourceType: "cluster", changes: { name: body.name } });
    if (principal.clusterId !== null) {
      // a token scoped to one cluster must not be able to grow the fleet
      throw new AppError("forbidden", "a cluster-scoped token cannot create clusters");
    }
    const scope = c.get("scope");
    const ctx = await scope.serviceContext(principal.actor);
    const created = await createCluster({
      ctx,
      input: {
        ...body,
        registrationTokenTtlMs: scope.deps.config.policy.registrationTokenTtlMs,
        thresholds: healthThresholds(c),
      },
    });
    setAudit(c, {
      action: "cluster.create",
      resourceType: "cluster",
      resourceId: created.cluster.id,
      clusterId: created.cluster.id,
    });
    return c.json(created, 201);
  });
}
