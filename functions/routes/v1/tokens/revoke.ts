import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { UuidSchema } from "../../../http/params.ts";
import { clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { revokeToken } from "../../../services/tokens/revoke-token.ts";
import { ApiTokenSchema } from "./schemas.ts";

const TokenIdParams = z.object({ tokenId: UuidSchema.openapi({ param: { name: "tokenId", in: "path" } }) });

const route = createRoute({
  method: "delete",
  path: "/v1/tokens/{tokenId}",
  tags: ["tokens"],
  summary: "Revoke an API token; it is refused from the next request on (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: TokenIdParams },
  responses: {
    200: { description: "The revoked token", content: { "application/json": { schema: ApiTokenSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerRevokeToken(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "admin");
    const { tokenId } = c.req.valid("param");
    setAudit(c, { action: "token.revoke", resourceType: "api_token", resourceId: tokenId });
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const revoked = await revokeToken({ ctx, input: { tokenId, scopeClusterId: clusterScopeOf(principal) } });
    setAudit(c, {
      action: "token.revoke",
      resourceType: "api_token",
      resourceId: tokenId,
      clusterId: revoked.clusterId,
    });
    return c.json(revoked, 200);
  });
}
