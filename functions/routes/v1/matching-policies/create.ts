import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { createMatchingPolicy } from "../../../services/matching-policies/create-matching-policy.ts";
import { CreateMatchingPolicyBody, MatchingPolicySchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/matching-policies",
  operationId: "createMatchingPolicy",
  tags: ["matching-policies"],
  summary: "Create a matching policy (unscoped operator)",
  description:
    "For pools of poolType, the query template that picks machines for the action. A template that " +
    "does not exist is a 400 naming templateId; a second policy for the same pool type and action is a 409.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    body: { required: true, content: { "application/json": { schema: CreateMatchingPolicyBody } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: MatchingPolicySchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "conflict"),
  },
});

export const registerCreateMatchingPolicy = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "matching policies span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "matching_policy.create", resourceType: "matching_policy" },
  run: async (c, { ctx }) => c.json(await createMatchingPolicy({ ctx, input: c.req.valid("json") }), 201),
});
