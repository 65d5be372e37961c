import { createRoute, z } from "@hono/zod-openapi";
import { API_TOKEN_ROLES } from "../../../../drizzle/schema/api-tokens.ts";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { UuidSchema } from "../../../http/params.ts";
import { clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { listTokens } from "../../../services/tokens/list-tokens.ts";
import { ApiTokenSchema } from "./schemas.ts";

const ListTokensQuery = PageQuerySchema.extend({
  role: z.enum(API_TOKEN_ROLES).optional(),
  clusterId: UuidSchema.optional().openapi({ description: "only tokens scoped to this cluster" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/tokens",
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

export function registerListTokens(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "admin");
    const query = c.req.valid("query");
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const page = await listTokens({ ctx, input: { ...query, scopeClusterId: clusterScopeOf(principal) } });
    return c.json(page, 200);
  });
}
