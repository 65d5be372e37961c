import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getMatchingPolicy } from "../../../services/matching-policies/get-matching-policy.ts";
import { MatchingPolicySchema, PolicyIdParams } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/matching-policies/{policyId}",
  operationId: "getMatchingPolicy",
  tags: ["matching-policies"],
  summary: "One matching policy (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: PolicyIdParams },
  responses: {
    200: { description: "The policy", content: { "application/json": { schema: MatchingPolicySchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetMatchingPolicy = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => {
    const { policyId } = c.req.valid("param");
    return c.json(await getMatchingPolicy({ ctx, input: { id: policyId } }), 200);
  },
});
