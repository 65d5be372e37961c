import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getDeadLetter } from "../../../services/dead-letters/get-dead-letter.ts";
import { DEAD_LETTERS_NOTE, DeadLetterParams, DeadLetterSchema, UNSCOPED_ONLY } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/dead-letters/{id}",
  operationId: "getDeadLetter",
  tags: ["dead-letters"],
  summary: "One dead letter with its body, reason and replay history (operator)",
  description: DEAD_LETTERS_NOTE,
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: DeadLetterParams },
  responses: {
    200: { description: "The dead letter", content: { "application/json": { schema: DeadLetterSchema } } },
    ...errorResponses(
      "validation_failed",
      "unauthorized",
      "forbidden",
      "not_found",
      "dependency_unavailable",
    ),
  },
});

export const registerGetDeadLetter = defineRoute({
  route,
  access: "operator",
  unscopedOnly: UNSCOPED_ONLY,
  run: async (c, { ctx }) => c.json(await getDeadLetter({ ctx, input: c.req.valid("param") }), 200),
});
