/** Schemas shared by the /v1 audit routes. */
import { z } from "@hono/zod-openapi";
import { AUDIT_RESULTS } from "../../../../drizzle/schema/audit-logs.ts";
import { ClusterRefSchema } from "../../../http/params.ts";
import { TimeRangeQuery } from "../events/schemas.ts";

/**
 * Who may read the audit log: admins only. Rows name every caller's token,
 * client address and user agent, which is security information, not
 * inventory; operators change inventory and need not see who else did what.
 */
export const AUDIT_READER_ROLE = "admin" as const;

export const AuditFilterQuery = TimeRangeQuery.extend({
  actor: z.string().min(1).max(200).optional().openapi({ description: 'exact, e.g. "token:<id>"' }),
  action: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'prefix: "cluster." matches every cluster action' }),
  resourceType: z.string().min(1).max(100).optional(),
  resourceId: z.string().min(1).max(200).optional(),
  clusterId: ClusterRefSchema.optional(),
  result: z.enum(AUDIT_RESULTS).optional(),
  requestId: z.string().min(1).max(200).optional(),
});

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    clusterId: z.string().nullable(),
    result: z.enum(AUDIT_RESULTS).openapi({
      description:
        "pending: recorded before the request was carried out, its outcome never recorded (the server stopped, or the audit update failed); the change may or may not have happened",
    }),
    statusCode: z.number().nullable(),
    changes: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .openapi("AuditEntry");
