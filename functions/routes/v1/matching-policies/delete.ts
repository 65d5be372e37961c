import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { deleteMatchingPolicy } from "../../../services/matching-policies/delete-matching-policy.ts";
import { MatchingPolicySchema, PolicyIdParams } from "./schemas.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/matching-policies/{policyId}",
  operationId: "deleteMatchingPolicy",
  tags: ["matching-policies"],
  summary: "Delete a matching policy (unscoped operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: PolicyIdParams },
  responses: {
    200: {
      description: "The deleted policy",
      content: { "application/json": { schema: MatchingPolicySchema } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerDeleteMatchingPolicy = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "matching policies span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "matching_policy.delete", resourceType: "matching_policy" },
  run: async (c, { ctx }) => {
    const { policyId } = c.req.valid("param");
    return c.json(await deleteMatchingPolicy({ ctx, input: { id: policyId } }), 200);
  },
});
