import { createRoute, z } from "@hono/zod-openapi";
import { API_TOKEN_ROLES } from "../../../../drizzle/schema/api-tokens.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { ClusterRefSchema } from "../../../http/params.ts";
import { listTokens } from "../../../services/tokens/list-tokens.ts";
import { ApiTokenSchema } from "./schemas.ts";

const ListTokensQuery = PageQuerySchema.extend({
  role: z.enum(API_TOKEN_ROLES).optional(),
  clusterId: ClusterRefSchema.optional().openapi({ description: "only tokens scoped to this cluster" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/tokens",
  operationId: "listTokens",
  tags: ["tokens"],
  summary: "List API tokens, revoked and expired ones included; never their hashes (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListTokensQuery },
  responses: {
    200: {
      description: "A page of tokens, oldest first",
      content: { "application/json": { schema: pageOf(ApiTokenSchema, "ApiTokenPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const registerListTokens = defineRoute({
  route,
  access: "admin",
  run: async (c, { ctx, principal }) => {
    const input = { ...c.req.valid("query"), scopeClusterId: principal.clusterId };
    return c.json(await listTokens({ ctx, input }), 200);
  },
});
