import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getTokenSelf } from "../../../services/tokens/token-self.ts";
import { TokenSelfSchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/tokens/self",
  operationId: "getOwnToken",
  tags: ["tokens"],
  summary: "The calling token itself: its name, role and cluster scope (any role)",
  description:
    "Lets a client learn who it is signed in as without probing routes. Never returns the token or its hash.",
  security: [{ [BEARER_SCHEME]: [] }],
  responses: {
    200: { description: "The calling token", content: { "application/json": { schema: TokenSelfSchema } } },
    ...errorResponses("unauthorized", "forbidden"),
  },
});

// a read: like the other GET routes it is not audited (the audit middleware records changes only)
export const registerTokenSelf = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) =>
    c.json(await getTokenSelf({ ctx, input: { tokenId: principal.tokenId } }), 200),
});
