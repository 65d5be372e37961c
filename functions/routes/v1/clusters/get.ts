import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { getCluster } from "../../../services/clusters/get-cluster.ts";
import { ClusterSchema, healthThresholds } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}",
  operationId: "getCluster",
  tags: ["clusters"],
  summary: "One cluster with derived health, machine counts and capacity (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: ClusterIdParams },
  responses: {
    200: { description: "The cluster", content: { "application/json": { schema: ClusterSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetCluster = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => {
    const { clusterId } = c.req.valid("param");
    return c.json(await getCluster({ ctx, input: { clusterId, thresholds: healthThresholds(c) } }), 200);
  },
});
