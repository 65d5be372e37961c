import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { deleteQueryTemplate } from "../../../services/query-templates/delete-query-template.ts";
import { presentQueryTemplate, QueryTemplateSchema, TemplateIdParams } from "./schemas.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/query-templates/{templateId}",
  operationId: "deleteQueryTemplate",
  tags: ["query-templates"],
  summary: "Delete a device query template (unscoped operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: TemplateIdParams },
  responses: {
    200: {
      description: "The deleted template",
      content: { "application/json": { schema: QueryTemplateSchema } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

export const registerDeleteQueryTemplate = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "query templates span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "query_template.delete", resourceType: "query_template" },
  run: async (c, { ctx }) => {
    const { templateId } = c.req.valid("param");
    return c.json(presentQueryTemplate(await deleteQueryTemplate({ ctx, input: { id: templateId } })), 200);
  },
});
