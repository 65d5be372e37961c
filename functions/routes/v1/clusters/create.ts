import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { LabelsSchema } from "../../../http/params.ts";
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
  operationId: "createCluster",
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

export const registerCreateCluster = defineRoute({
  route,
  access: "admin",
  // a token scoped to one cluster must not be able to grow the fleet
  unscopedOnly: "a cluster-scoped token cannot create clusters",
  audit: { action: "cluster.create", resourceType: "cluster" },
  run: async (c, { ctx }) => {
    const created = await createCluster({
      ctx,
      input: {
        ...c.req.valid("json"),
        registrationTokenTtlMs: c.get("scope").deps.config.policy.registrationTokenTtlMs,
        thresholds: healthThresholds(c),
      },
    });
    return c.json(created, 201);
  },
});
