import { createRoute, z } from "@hono/zod-openapi";
import { API_TOKEN_ROLES } from "../../../../drizzle/schema/api-tokens.ts";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { UuidSchema } from "../../../http/params.ts";
import { requireRole } from "../../../services/auth/principal.ts";
import { createToken } from "../../../services/tokens/create-token.ts";
import { ApiTokenSchema } from "./schemas.ts";

/** Ten years: long-lived automation tokens are allowed, unbounded numbers are not. */
const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 86_400;

const CreateTokenBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    role: z.enum(API_TOKEN_ROLES),
    clusterId: UuidSchema.nullable().optional().openapi({ description: "scope the token to one cluster" }),
    expiresInSeconds: z
      .number()
      .int()
      .min(60)
      .max(MAX_EXPIRES_IN_SECONDS)
      .optional()
      .openapi({ description: "omitted: the token does not expire" }),
  })
  .openapi("CreateApiTokenRequest");

const CreatedTokenSchema = z
  .object({
    apiToken: ApiTokenSchema,
    token: z.string().openapi({ description: "the bearer token; shown only in this response" }),
  })
  .openapi("CreatedApiToken");

const route = createRoute({
  method: "post",
  path: "/v1/tokens",
  tags: ["tokens"],
  summary: "Create an API token, shown once (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateTokenBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: CreatedTokenSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "not_found"),
  },
});

export function registerCreateToken(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "admin");
    const body = c.req.valid("json");
    setAudit(c, {
      action: "token.create",
      resourceType: "api_token",
      clusterId: body.clusterId ?? null,
      changes: { name: body.name, role: body.role, expiresInSeconds: body.expiresInSeconds ?? null },
    });
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const created = await createToken({ ctx, input: { ...body, callerClusterId: principal.clusterId } });
    setAudit(c, { action: "token.create", resourceType: "api_token", resourceId: created.apiToken.id });
    return c.json(created, 201);
  });
}
