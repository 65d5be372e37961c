/** Request and response of POST /v1/device-query. */
import { z } from "@hono/zod-openapi";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../../http/pagination.ts";
import { ClusterRefSchema, PoolRefSchema, UuidSchema } from "../../../http/params.ts";
import { MachineSchema } from "../machines/schemas.ts";
import { QueryGroupsSchema, QueryTemplateBodySchema } from "../query-templates/schemas.ts";

export const DeviceQueryBody = z
  .strictObject({
    templateId: UuidSchema.optional().openapi({
      description: "a stored template (GET /v1/query-templates); give this or template, not both",
      example: "0b6f3c1e-6a43-4f7e-9d2a-5f0c8f1d2e3a",
    }),
    // described on the request: a description here would land on the shared QueryTemplateBody component
    template: QueryTemplateBodySchema.optional(),
    extra: QueryGroupsSchema.optional().openapi({
      description: "more groups every matching machine must also match (ANDed with the template)",
    }),
    clusterId: ClusterRefSchema.optional().openapi({ description: "only machines of this cluster" }),
    poolId: PoolRefSchema.optional().openapi({ description: "only machines of this pool" }),
    unassigned: z.boolean().optional().openapi({
      description: "true: only the free inventory; false: only machines assigned to a cluster",
    }),
    limit: z
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .optional()
      .openapi({ description: `page size, 1 to ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when omitted` }),
    cursor: z.string().max(512).optional().openapi({ description: "nextCursor of the previous page" }),
  })
  .openapi("DeviceQueryRequest", {
    description:
      "template (inline) or templateId (stored): exactly one. The other fields are optional; " +
      "clusterId and poolId take names too.",
    example: {
      template: {
        logic: "and",
        groups: [
          {
            logic: "and",
            blocks: [
              { type: "device", key: "gpuCount", operator: "gte", value: 4 },
              { type: "nodeLabel", key: "topology.kubernetes.io/zone", operator: "in", value: ["a", "b"] },
            ],
          },
        ],
      },
      extra: [
        { logic: "or", blocks: [{ type: "device", key: "status", operator: "eq", value: "available" }] },
      ],
      unassigned: true,
      limit: 50,
    },
  });

export const DeviceQueryResultSchema = z
  .object({
    items: z.array(MachineSchema),
    nextCursor: z.string().nullable(),
    total: z.number().int().openapi({ description: "how many machines match in all, over every page" }),
  })
  .openapi("DeviceQueryResult");
