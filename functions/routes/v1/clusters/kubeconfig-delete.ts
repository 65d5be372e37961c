import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { removeKubeconfig } from "../../../services/clusters/kubeconfig-store.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/clusters/{clusterId}/kubeconfig",
  operationId: "deleteClusterKubeconfig",
  tags: ["clusters"],
  summary: "Remove a cluster's kubeconfig and its last API server check (admin)",
  description: "The cluster stays (with its agent, if it has one); its API server is no longer checked.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: ClusterIdParams },
  responses: {
    204: { description: "Removed" },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerDeleteClusterKubeconfig = defineRoute({
  route,
  access: "admin",
  audit: { action: "cluster.kubeconfig.remove", resourceType: "cluster" },
  run: async (c, { ctx }) => {
    const { clusterId } = c.req.valid("param");
    await removeKubeconfig({ ctx, input: { clusterId } });
    return c.body(null, 204);
  },
});
