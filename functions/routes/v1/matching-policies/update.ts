import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { updateMatchingPolicy } from "../../../services/matching-policies/update-matching-policy.ts";
import { MatchingPolicySchema, PolicyIdParams, UpdateMatchingPolicyBody } from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/matching-policies/{policyId}",
  operationId: "updateMatchingPolicy",
  tags: ["matching-policies"],
  summary: "Change a matching policy (unscoped operator)",
  description:
    "Any of poolType, action, templateId and enabled. With expectedVersion, a policy changed since is " +
    "a 409 stale_version; a pool type and action another policy has is a 409 conflict.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: PolicyIdParams,
    body: { required: true, content: { "application/json": { schema: UpdateMatchingPolicyBody } } },
  },
  responses: {
    200: { description: "The policy", content: { "application/json": { schema: MatchingPolicySchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "stale_version",
    ),
  },
});

export const registerUpdateMatchingPolicy = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "matching policies span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "matching_policy.update", resourceType: "matching_policy" },
  run: async (c, { ctx }) => {
    const { policyId } = c.req.valid("param");
    const { expectedVersion, ...changes } = c.req.valid("json");
    return c.json(
      await updateMatchingPolicy({ ctx, input: { id: policyId, changes, expectedVersion } }),
      200,
    );
  },
});
