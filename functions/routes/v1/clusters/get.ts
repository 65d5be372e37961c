import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { getCluster } from "../../../services/clusters/get-cluster.ts";
import { ClusterSchema, healthThresholds } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/clusters/{clusterId}",
  tags: ["clusters"],
  summary: "One cluster with derived health, machine counts and capacity (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: ClusterIdParams },
  responses: {
    200: { description: "The cluster", content: { "application/json": { schema: ClusterSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerGetCluster(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const { clusterId } = c.req.valid("param");
    assertClusterAccess(principal, clusterId);
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const cluster = await getCluster({ ctx, input: { clusterId, thresholds: healthThresholds(c) } });
    return c.json(cluster, 200);
  });
}
