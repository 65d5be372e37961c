/** Matching policy shapes shared by the /v1/matching-policies routes. */
import { z } from "@hono/zod-openapi";
import { POOL_ACTIONS } from "../../../../drizzle/schema/index.ts";
import { UuidSchema } from "../../../http/params.ts";
import { PoolTypeSchema } from "../pools/schemas.ts";

export const PoolActionSchema = z.enum(POOL_ACTIONS).openapi({
  description: "pool_entry: machines the pool may take in; pool_exit: machines the pool may give back",
  example: "pool_entry",
});

const ExpectedVersion = z.int().min(0).max(2_147_483_647).openapi({
  description: "refuse with 409 stale_version unless the resource is still at this version",
});

export const CreateMatchingPolicyBody = z
  .strictObject({
    poolType: PoolTypeSchema.openapi({ description: "pools whose poolType is this" }),
    action: PoolActionSchema,
    templateId: UuidSchema.openapi({ description: "the query template that picks the machines" }),
    enabled: z.boolean().optional().openapi({ description: "default true" }),
  })
  .openapi("CreateMatchingPolicyRequest", {
    example: {
      poolType: "gpu",
      action: "pool_entry",
      templateId: "0b6f3c1e-6a43-4f7e-9d2a-5f0c8f1d2e3a",
      enabled: true,
    },
  });

export const UpdateMatchingPolicyBody = z
  .strictObject({
    poolType: PoolTypeSchema.optional(),
    action: PoolActionSchema.optional(),
    templateId: UuidSchema.optional(),
    enabled: z.boolean().optional(),
    expectedVersion: ExpectedVersion.optional(),
  })
  .refine(({ expectedVersion: _, ...changes }) => Object.values(changes).some((v) => v !== undefined), {
    message: "give at least one of poolType, action, templateId, enabled",
  })
  .openapi("UpdateMatchingPolicyRequest", { example: { enabled: false, expectedVersion: 0 } });

export const MatchingPolicySchema = z
  .object({
    id: z.uuid(),
    poolType: z.string(),
    action: PoolActionSchema,
    templateId: z.uuid(),
    enabled: z.boolean(),
    version: z.number().int().openapi({ description: "bumped by every change; pass as expectedVersion" }),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("MatchingPolicy");

export const PolicyIdParams = z.object({
  policyId: UuidSchema.openapi({
    param: { name: "policyId", in: "path" },
    example: "4d0c6a52-1f9e-4c57-8a43-0e6f2b9d7c11",
  }),
});
