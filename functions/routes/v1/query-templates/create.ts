import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { createQueryTemplate } from "../../../services/query-templates/create-query-template.ts";
import { CreateQueryTemplateBody, presentQueryTemplate, QueryTemplateSchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/query-templates",
  operationId: "createQueryTemplate",
  tags: ["query-templates"],
  summary: "Create a device query template (unscoped operator)",
  description:
    "Groups are combined with the template's logic, blocks inside a group with the group's logic. " +
    "A block that does not make sense (a device field that does not exist, a value of the wrong kind " +
    "for its operator) is a 400 naming its path, e.g. groups[1].blocks[0].operator. A name another " +
    "template has is a 409.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateQueryTemplateBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: QueryTemplateSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "conflict"),
  },
});

export const registerCreateQueryTemplate = defineRoute({
  route,
  access: "operator",
  unscopedOnly: "query templates span the fleet: a cluster-scoped token cannot change them",
  audit: { action: "query_template.create", resourceType: "query_template" },
  run: async (c, { ctx }) => {
    return c.json(presentQueryTemplate(await createQueryTemplate({ ctx, input: c.req.valid("json") })), 201);
  },
});
