/** Schemas shared by the /v1/tokens routes. */
import { z } from "@hono/zod-openapi";
import { API_TOKEN_ROLES } from "../../../../drizzle/schema/api-tokens.ts";

export const ApiTokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(API_TOKEN_ROLES),
    clusterId: z.uuid().nullable().openapi({ description: "null: every cluster" }),
    displayPrefix: z.string().openapi({ description: "the token's first characters, to tell tokens apart" }),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ApiToken");

export const TokenSelfSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(API_TOKEN_ROLES),
    clusterId: z.uuid().nullable().openapi({ description: "null: every cluster" }),
    clusterName: z
      .string()
      .nullable()
      .openapi({ description: "the scoped cluster's name; null when unscoped" }),
    displayPrefix: z.string().openapi({ description: "the token's first characters, to tell tokens apart" }),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("TokenSelf");
