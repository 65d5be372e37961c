import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { UuidSchema } from "../../../http/params.ts";
import { revokeToken } from "../../../services/tokens/revoke-token.ts";
import { ApiTokenSchema } from "./schemas.ts";

const TokenIdParams = z.object({ tokenId: UuidSchema.openapi({ param: { name: "tokenId", in: "path" } }) });

const route = createRoute({
  method: "delete",
  path: "/v1/tokens/{tokenId}",
  operationId: "revokeToken",
  tags: ["tokens"],
  summary: "Revoke an API token; it is refused from the next request on (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: TokenIdParams },
  responses: {
    200: { description: "The revoked token", content: { "application/json": { schema: ApiTokenSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerRevokeToken = defineRoute({
  route,
  access: "admin",
  audit: { action: "token.revoke", resourceType: "api_token" },
  run: async (c, { ctx, principal }) => {
    const { tokenId } = c.req.valid("param");
    return c.json(await revokeToken({ ctx, input: { tokenId, scopeClusterId: principal.clusterId } }), 200);
  },
});
