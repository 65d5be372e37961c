/**
 * Query template shapes shared by the /v1/query-templates routes and
 * POST /v1/device-query: a template is groups of blocks, groups combined by
 * the template's logic, blocks inside a group by the group's. These schemas
 * check the shape (enums, types, bounds); what a block means (a device field
 * that exists, a value of the operator's kind) is checked by the service
 * (services/device-query/template.ts `checkTemplate`), which names the
 * offending path the same way: `groups[1].blocks[0].operator`.
 */
import { z } from "@hono/zod-openapi";
import { UuidSchema } from "../../../http/params.ts";
import {
  BLOCK_TYPES,
  DEVICE_FIELDS,
  MAX_BLOCKS_PER_GROUP,
  MAX_GROUPS,
  MAX_KEY_LENGTH,
  MAX_SET_VALUES,
  MAX_STRING_LENGTH,
  OPERATORS,
  TEMPLATE_LOGICS,
} from "../../../services/device-query/template.ts";
import {
  QUERY_TEMPLATE_DESCRIPTION_MAX,
  QUERY_TEMPLATE_NAME_MAX,
  type QueryTemplateView,
} from "../../../services/query-templates/template-view.ts";

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;

export const LogicSchema = z.enum(TEMPLATE_LOGICS).openapi({
  description: "and: every member must match; or: at least one",
  example: "and",
});

/** Bounds only: what a value must be for its operator and field is checkTemplate's to say. */
const Scalar = z.union([z.number(), z.string().max(MAX_STRING_LENGTH)]);

export const QueryBlockSchema = z
  .strictObject({
    type: z.enum(BLOCK_TYPES).openapi({
      description:
        "device: key is a machine field; nodeLabel: key is a label key, matched against the machine's labels; " +
        "taint: key is a taint key (value optional), matched against the machine's taints",
    }),
    key: z
      .string()
      .min(1)
      .max(MAX_KEY_LENGTH)
      .openapi({
        description: `for type device, one of ${DEVICE_FIELDS.join(", ")}; otherwise a label or taint key`,
        example: "gpuType",
      }),
    operator: z.enum(OPERATORS).openapi({
      description:
        "in and notin take an array; gt, gte, lt and lte a number; exists and notexists no value; " +
        "contains is a substring (for tags, membership). A block on a missing field or label is false, " +
        "except ne, notin and notexists, which are true",
    }),
    value: z
      .union([Scalar, z.array(Scalar).max(MAX_SET_VALUES)])
      .optional()
      .openapi({ description: "a number, a string, or an array of them (in, notin)", example: "A100" }),
  })
  .openapi("QueryBlock");

export const QueryGroupSchema = z
  .strictObject({
    logic: LogicSchema,
    blocks: z.array(QueryBlockSchema).min(1).max(MAX_BLOCKS_PER_GROUP),
  })
  .openapi("QueryGroup");

/** A template with no groups matches every machine; a group needs at least one block. */
export const QueryGroupsSchema = z.array(QueryGroupSchema).max(MAX_GROUPS);

const EXAMPLE_GROUPS = [
  {
    logic: "and" as const,
    blocks: [
      { type: "device" as const, key: "gpuType", operator: "eq" as const, value: "A100" },
      { type: "device" as const, key: "memoryBytes", operator: "gte" as const, value: 274_877_906_944 },
    ],
  },
  {
    logic: "or" as const,
    blocks: [
      {
        type: "nodeLabel" as const,
        key: "topology.kubernetes.io/zone",
        operator: "in" as const,
        value: ["a", "b"],
      },
      { type: "taint" as const, key: "dedicated", operator: "notexists" as const },
    ],
  },
];

/** A template's logic and groups, inline (device-query) or as a stored template's body. */
export const QueryTemplateBodySchema = z
  .strictObject({ logic: LogicSchema, groups: QueryGroupsSchema })
  .openapi("QueryTemplateBody", { example: { logic: "and", groups: EXAMPLE_GROUPS } });

export const TemplateNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(QUERY_TEMPLATE_NAME_MAX)
  .regex(NO_CONTROL_CHARS, { message: "must not contain control characters" })
  .openapi({ description: "unique across the fleet", example: "a100-big-memory" });

const DescriptionSchema = z
  .string()
  .max(QUERY_TEMPLATE_DESCRIPTION_MAX)
  .refine((t) => NO_CONTROL_CHARS.test(t.replace(/[\t\n\r]/g, " ")), {
    message: "must not contain control characters other than line breaks and tabs",
  })
  .nullable()
  .openapi({ description: "free text; null clears it", example: "A100 machines with at least 256 GiB" });

export const CreateQueryTemplateBody = z
  .strictObject({
    name: TemplateNameSchema,
    description: DescriptionSchema.optional(),
    logic: LogicSchema,
    groups: QueryGroupsSchema,
  })
  .openapi("CreateQueryTemplateRequest", {
    example: {
      name: "a100-big-memory",
      description: "A100 machines with at least 256 GiB",
      logic: "and",
      groups: EXAMPLE_GROUPS,
    },
  });

export const UpdateQueryTemplateBody = z
  .strictObject({
    name: TemplateNameSchema.optional(),
    description: DescriptionSchema.optional(),
    logic: LogicSchema.optional(),
    groups: QueryGroupsSchema.optional(),
    expectedVersion: z.int().min(0).max(2_147_483_647).optional().openapi({
      description: "refuse with 409 stale_version unless the template is still at this version",
    }),
  })
  .refine(({ expectedVersion: _, ...changes }) => Object.values(changes).some((v) => v !== undefined), {
    message: "give at least one of name, description, logic, groups",
  })
  .openapi("UpdateQueryTemplateRequest", {
    description: "Any field; groups are replaced whole.",
    example: { description: "A100 machines, 256 GiB and up", expectedVersion: 1 },
  });

export const QueryTemplateSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    logic: LogicSchema,
    groups: z.array(QueryGroupSchema),
    version: z.number().int().openapi({ description: "bumped by every change; pass as expectedVersion" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("QueryTemplate");

export type QueryTemplateResponse = z.infer<typeof QueryTemplateSchema>;

/** The view as the response schema types it: stored groups passed checkTemplate, so values are of its kinds. */
export function presentQueryTemplate(view: QueryTemplateView): QueryTemplateResponse {
  return { ...view, groups: view.groups as QueryTemplateResponse["groups"] };
}

export const TemplateIdParams = z.object({
  templateId: UuidSchema.openapi({
    param: { name: "templateId", in: "path" },
    example: "0b6f3c1e-6a43-4f7e-9d2a-5f0c8f1d2e3a",
  }),
});
