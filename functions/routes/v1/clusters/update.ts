import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams, LabelsSchema } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { updateCluster } from "../../../services/clusters/update-cluster.ts";
import { ClusterSchema, DescriptionSchema, healthThresholds } from "./schemas.ts";

const UpdateClusterBody = z
  .strictObject({
    description: DescriptionSchema.optional(),
    labels: LabelsSchema.optional().openapi({ description: "replaces the labels as a whole" }),
  })
  .refine((body) => body.description !== undefined || body.labels !== undefined, {
    message: "give description, labels or both",
  })
  .openapi("UpdateClusterRequest");

const route = createRoute({
  method: "patch",
  path: "/v1/clusters/{clusterId}",
  tags: ["clusters"],
  summary: "Change a cluster's description or labels (operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: ClusterIdParams,
    body: { required: true, content: { "application/json": { schema: UpdateClusterBody } } },
  },
  responses: {
    200: { description: "The updated cluster", content: { "application/json": { schema: ClusterSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerUpdateCluster(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const { clusterId } = c.req.valid("param");
    const body = c.req.valid("json");
    assertClusterAccess(principal, clusterId);
    setAudit(c, {
      action: "cluster.update",
      resourceType: "cluster",
      resourceId: clusterId,
      clusterId,
      changes: body,
    });
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const cluster = await updateCluster({
      ctx,
      input: { clusterId, ...body, thresholds: healthThresholds(c) },
    });
    return c.json(cluster, 200);
  });
}
