import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { deleteCluster } from "../../../services/clusters/delete-cluster.ts";

const DeleteClusterQuery = z.object({
  force: z
    .enum(["true", "false"])
    .default("false")
    .openapi({ description: "delete even while machines are in use; they are moved to fault" }),
});

const DeletedClusterSchema = z
  .object({
    clusterId: z.uuid(),
    name: z.string(),
    deletedAt: z.string(),
    releasedMachines: z.number().int(),
    faultedMachines: z.number().int(),
    revokedTokens: z.number().int(),
  })
  .openapi("DeletedCluster");

const route = createRoute({
  method: "delete",
  path: "/v1/clusters/{clusterId}",
  operationId: "deleteCluster",
  tags: ["clusters"],
  summary: "Delete a cluster, returning its machines to inventory (admin)",
  description:
    "Refused with 409 while machines are in use unless force=true. Machines not in use are detached " +
    "keeping their state; in-use machines move to fault ('cluster deleted'). The agent credential, the " +
    "registration token and tokens scoped to the cluster stop working; the name can be reused.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: ClusterIdParams, query: DeleteClusterQuery },
  responses: {
    200: {
      description: "Deleted; what happened to its machines",
      content: { "application/json": { schema: DeletedClusterSchema } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

export const registerDeleteCluster = defineRoute({
  route,
  access: "admin",
  audit: { action: "cluster.delete", resourceType: "cluster" },
  run: async (c, { ctx }) => {
    const { clusterId } = c.req.valid("param");
    const force = c.req.valid("query").force === "true";
    return c.json(await deleteCluster({ ctx, input: { clusterId, force } }), 200);
  },
});
