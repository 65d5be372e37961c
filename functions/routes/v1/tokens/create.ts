import { createRoute, z } from "@hono/zod-openapi";
import { API_TOKEN_ROLES } from "../../../../drizzle/schema/api-tokens.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { ClusterRefSchema } from "../../../http/params.ts";
import { createToken } from "../../../services/tokens/create-token.ts";
import { ApiTokenSchema } from "./schemas.ts";

/** Ten years: long-lived automation tokens are allowed, unbounded numbers are not. */
const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 86_400;

const CreateTokenBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    role: z.enum(API_TOKEN_ROLES),
    clusterId: ClusterRefSchema.nullable()
      .optional()
      .openapi({ description: "scope the token to one cluster" }),
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
  operationId: "createToken",
  tags: ["tokens"],
  summary: "Create an API token, shown once (admin)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateTokenBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: CreatedTokenSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerCreateToken = defineRoute({
  route,
  access: "admin",
  audit: { action: "token.create", resourceType: "api_token" },
  run: async (c, { ctx, principal }) => {
    const input = { ...c.req.valid("json"), callerClusterId: principal.clusterId };
    return c.json(await createToken({ ctx, input }), 201);
  },
});
