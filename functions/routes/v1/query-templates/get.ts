import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getQueryTemplate } from "../../../services/query-templates/get-query-template.ts";
import { presentQueryTemplate, QueryTemplateSchema, TemplateIdParams } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/query-templates/{templateId}",
  operationId: "getQueryTemplate",
  tags: ["query-templates"],
  summary: "One device query template (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: TemplateIdParams },
  responses: {
    200: { description: "The template", content: { "application/json": { schema: QueryTemplateSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetQueryTemplate = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => {
    const { templateId } = c.req.valid("param");
    return c.json(presentQueryTemplate(await getQueryTemplate({ ctx, input: { id: templateId } })), 200);
  },
});
