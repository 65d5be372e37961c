import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listQueryTemplates } from "../../../services/query-templates/list-query-templates.ts";
import { presentQueryTemplate, QueryTemplateSchema } from "./schemas.ts";

const ListQueryTemplatesQuery = PageQuerySchema.extend({
  q: z.string().max(200).optional().openapi({ description: "case-insensitive text in name or description" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/query-templates",
  operationId: "listQueryTemplates",
  tags: ["query-templates"],
  summary: "List device query templates (viewer)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListQueryTemplatesQuery },
  responses: {
    200: {
      description: "A page of templates, oldest first",
      content: { "application/json": { schema: pageOf(QueryTemplateSchema, "QueryTemplatePage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const registerListQueryTemplates = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => {
    const page = await listQueryTemplates({ ctx, input: c.req.valid("query") });
    return c.json({ items: page.items.map(presentQueryTemplate), nextCursor: page.nextCursor }, 200);
  },
});
