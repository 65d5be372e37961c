import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { CLUSTER_HEALTHS } from "../../../services/clusters/health.ts";
import { listClusters } from "../../../services/clusters/list-clusters.ts";
import { ClusterSchema, healthThresholds } from "./schemas.ts";

const ListClustersQuery = PageQuerySchema.extend({
  q: z.string().max(200).optional().openapi({ description: "case-insensitive text in name or description" }),
  status: z.enum(CLUSTER_HEALTHS).optional().openapi({ description: "derived health" }),
  labelSelector: z
    .string()
    .max(1024)
    .optional()
    .openapi({ description: "Kubernetes label selector, e.g. env=prod,tier in (a,b),!legacy" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/clusters",
  operationId: "listClusters",
  tags: ["clusters"],
  summary: "List clusters with derived health, machine counts and capacity (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListClustersQuery },
  responses: {
    200: {
      description: "A page of clusters, oldest first",
      content: { "application/json": { schema: pageOf(ClusterSchema, "ClusterPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const registerListClusters = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const page = await listClusters({
      ctx,
      input: {
        ...c.req.valid("query"),
        scopeClusterId: principal.clusterId,
        thresholds: healthThresholds(c),
      },
    });
    return c.json(page, 200);
  },
});
