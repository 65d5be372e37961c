import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterIdParams } from "../../../http/params.ts";
import { setClusterKubeconfig } from "../../../services/clusters/set-cluster-kubeconfig.ts";
import { KubeconfigInputSchema } from "./kubeconfig-schemas.ts";
import { ClusterSchema, healthThresholds } from "./schemas.ts";

const PutKubeconfigBody = z
  .strictObject({ kubeconfig: KubeconfigInputSchema })
  .openapi("PutClusterKubeconfigRequest");

const route = createRoute({
  method: "put",
  path: "/v1/clusters/{clusterId}/kubeconfig",
  operationId: "putClusterKubeconfig",
  tags: ["clusters"],
  summary: "Import or replace a cluster's kubeconfig for API server health checks (admin)",
  description:
    "Validated (one context, a server URL, inline credentials without exec or auth-provider plugins), " +
    "encrypted at rest and never returned. Replacing it bumps kubeconfig.version.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: ClusterIdParams,
    body: { required: true, content: { "application/json": { schema: PutKubeconfigBody } } },
  },
  responses: {
    200: { description: "The cluster", content: { "application/json": { schema: ClusterSchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "dependency_unavailable",
    ),
  },
});

export const registerPutClusterKubeconfig = defineRoute({
  route,
  // a kubeconfig is a credential to the whole cluster: set like the registration token, by an admin
  access: "admin",
  audit: { action: "cluster.kubeconfig.set", resourceType: "cluster" },
  run: async (c, { ctx }) => {
    const { clusterId } = c.req.valid("param");
    const { kubeconfig } = c.req.valid("json");
    const input = { clusterId, kubeconfig, thresholds: healthThresholds(c) };
    return c.json(await setClusterKubeconfig({ ctx, input }), 200);
  },
});
