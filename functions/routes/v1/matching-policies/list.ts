import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listMatchingPolicies } from "../../../services/matching-policies/list-matching-policies.ts";
import { PoolTypeSchema } from "../pools/schemas.ts";
import { MatchingPolicySchema, PoolActionSchema } from "./schemas.ts";

const ListMatchingPoliciesQuery = PageQuerySchema.extend({
  poolType: PoolTypeSchema.optional().openapi({ description: "only policies of this pool type" }),
  action: PoolActionSchema.optional(),
  enabled: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "only enabled (true) or disabled (false) policies" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/matching-policies",
  operationId: "listMatchingPolicies",
  tags: ["matching-policies"],
  summary: "List matching policies (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListMatchingPoliciesQuery },
  responses: {
    200: {
      description: "A page of policies, oldest first",
      content: { "application/json": { schema: pageOf(MatchingPolicySchema, "MatchingPolicyPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const registerListMatchingPolicies = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => {
    const { enabled, ...query } = c.req.valid("query");
    const input = { ...query, enabled: enabled === undefined ? undefined : enabled === "true" };
    return c.json(await listMatchingPolicies({ ctx, input }), 200);
  },
});
