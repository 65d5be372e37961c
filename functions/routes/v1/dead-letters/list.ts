import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listDeadLetters } from "../../../services/dead-letters/list-dead-letters.ts";
import { timeRange } from "../events/schemas.ts";
import { DEAD_LETTERS_NOTE, DeadLetterFilterQuery, DeadLetterSchema, UNSCOPED_ONLY } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/dead-letters",
  operationId: "listDeadLetters",
  tags: ["dead-letters"],
  summary: "List dead letters, newest parked first (operator)",
  description: `${DEAD_LETTERS_NOTE} since/until filter on parkedAt.`,
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: PageQuerySchema.extend(DeadLetterFilterQuery.shape) },
  responses: {
    200: {
      description: "A page of dead letters",
      content: { "application/json": { schema: pageOf(DeadLetterSchema, "DeadLetterPage") } },
    },
    ...errorResponses(
      "validation_failed",
      "unauthorized",
      "forbidden",
      "not_found",
      "dependency_unavailable",
    ),
  },
});

export const registerListDeadLetters = defineRoute({
  route,
  access: "operator",
  unscopedOnly: UNSCOPED_ONLY,
  run: async (c, { ctx }) => {
    const query = c.req.valid("query");
    return c.json(await listDeadLetters({ ctx, input: { ...query, ...timeRange(query) } }), 200);
  },
});
