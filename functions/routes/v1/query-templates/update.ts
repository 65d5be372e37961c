import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { updateQueryTemplate } from "../../../services/query-templates/update-query-template.ts";
import {
  presentQueryTemplate,
  QueryTemplateSchema,
  TemplateIdParams,
  UpdateQueryTemplateBody,
} from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/query-templates/{templateId}",
  operationId: "updateQueryTemplate",
  tags: ["query-templates"],
  summary: "Change a device query template (unscoped operator)",
  description:
    "Any of name, description, logic and groups; groups are replaced whole and checked as on create. " +
    "With expectedVersion, a template changed since is a 409 stale_version.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: TemplateIdParams,
    body: { required: true, content: { "application/json": { schema: UpdateQueryTemplateBody } } },
  },
  responses: {
    200: { description: "The template", content: { "application/json": { schema: QueryTemplateSchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "stale_version",
    ),
  },
});

export const registerUpdateQueryTemplate = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "query templates span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "query_template.update", resourceType: "query_template" },
  run: async (c, { ctx }) => {
    const { templateId } = c.req.valid("param");
    const { expectedVersion, ...changes } = c.req.valid("json");
    const template = await updateQueryTemplate({ ctx, input: { id: templateId, changes, expectedVersion } });
    return c.json(presentQueryTemplate(template), 200);
  },
});
