import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams, LabelsSchema } from "../../../http/params.ts";
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
  operationId: "updateCluster",
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

export const registerUpdateCluster = defineRoute({
  route,
  access: "operator",
  audit: { action: "cluster.update", resourceType: "cluster" },
  run: async (c, { ctx }) => {
    const { clusterId } = c.req.valid("param");
    const input = { clusterId, ...c.req.valid("json"), thresholds: healthThresholds(c) };
    return c.json(await updateCluster({ ctx, input }), 200);
  },
});
