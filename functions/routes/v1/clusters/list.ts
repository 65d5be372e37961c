import { createRoute, z } from "@hono/zod-openapi";
import { API_SERVER_STATUSES } from "../../../../drizzle/schema/cluster-states.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { CLUSTER_HEALTHS } from "../../../services/clusters/health.ts";
import {
  CLUSTER_ACCESS_KINDS,
  CLUSTER_SORTS,
  listClusters,
  VERSION_PREFIX,
} from "../../../services/clusters/list-clusters.ts";
import { ClusterSchema, healthThresholds } from "./schemas.ts";

const ListClustersQuery = PageQuerySchema.extend({
  q: z.string().max(200).optional().openapi({ description: "case-insensitive text in name or description" }),
  status: z.enum(CLUSTER_HEALTHS).optional().openapi({ description: "derived agent health (heartbeats)" }),
  labelSelector: z
    .string()
    .max(1024)
    .optional()
    .openapi({ description: "Kubernetes label selector, e.g. env=prod,tier in (a,b),!legacy" }),
  apiServerStatus: z
    .enum([...API_SERVER_STATUSES, "unchecked"])
    .optional()
    .openapi({
      description:
        "the API server's last check through the kubeconfig; unchecked = a kubeconfig not checked yet. Clusters without a kubeconfig never match",
    }),
  access: z.enum(CLUSTER_ACCESS_KINDS).optional().openapi({
    description: "agent: a registered agent; kubeconfig: an imported kubeconfig (a cluster may have both)",
  }),
  version: z
    .string()
    .regex(VERSION_PREFIX, { message: "must look like 1, 1.30 or v1.30.2" })
    .optional()
    .openapi({
      description:
        "Kubernetes version prefix by whole components (1.30 matches v1.30.2, not 1.300): the agent's report, else the API server check's",
      example: "1.30",
    }),
  sort: z.enum(CLUSTER_SORTS).default("createdAt").openapi({
    description: "order of the pages; a cursor only continues the sort it was made for",
  }),
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
      description: "A page of clusters, oldest first unless sort says otherwise",
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
