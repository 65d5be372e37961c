import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { LabelsSchema } from "../../../http/params.ts";
import { createCluster } from "../../../services/clusters/create-cluster.ts";
import { ClusterAccessModeSchema, KubeconfigInputSchema } from "./kubeconfig-schemas.ts";
import { ClusterNameSchema, ClusterSchema, DescriptionSchema, healthThresholds } from "./schemas.ts";

const CreateClusterBody = z
  .strictObject({
    name: ClusterNameSchema,
    description: DescriptionSchema.optional(),
    labels: LabelsSchema.optional(),
    mode: ClusterAccessModeSchema.optional(),
    kubeconfig: KubeconfigInputSchema.optional(),
  })
  .refine((body) => body.mode !== "kubeconfig" || body.kubeconfig !== undefined, {
    message: 'mode "kubeconfig" needs a kubeconfig',
    path: ["kubeconfig"],
  })
  .openapi("CreateClusterRequest");

const CreatedClusterSchema = z
  .object({
    cluster: ClusterSchema,
    registrationToken: z
      .string()
      .nullable()
      .openapi({ description: "shown once; only its hash is stored. null in kubeconfig mode" }),
    registrationTokenExpiresAt: z.string().nullable(),
  })
  .openapi("CreatedCluster");

const route = createRoute({
  method: "post",
  path: "/v1/clusters",
  operationId: "createCluster",
  tags: ["clusters"],
  summary:
    "Create a cluster with a one-time registration token for its agent, an imported kubeconfig, or both (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateClusterBody } } } },
  responses: {
    201: {
      description: "Created; the registration token (agent mode) is shown only in this response",
      content: { "application/json": { schema: CreatedClusterSchema } },
    },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "conflict",
      "dependency_unavailable",
    ),
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
