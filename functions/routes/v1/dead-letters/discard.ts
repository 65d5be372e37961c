import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { discardDeadLetter } from "../../../services/dead-letters/discard-dead-letter.ts";
import { DEAD_LETTERS_NOTE, DeadLetterParams, DeadLetterSchema, UNSCOPED_ONLY } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/dead-letters/{id}/discard",
  operationId: "discardDeadLetter",
  tags: ["dead-letters"],
  summary: "Mark a parked dead letter as dealt with, without running it (operator)",
  description: `The row is kept for the record. Only a parked one can be discarded (409 otherwise). ${DEAD_LETTERS_NOTE}`,
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: DeadLetterParams },
  responses: {
    200: {
      description: "The dead letter, now discarded",
      content: { "application/json": { schema: DeadLetterSchema } },
    },
    ...errorResponses(
      "validation_failed",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "illegal_transition",
      "dependency_unavailable",
    ),
  },
});

export const registerDiscardDeadLetter = defineRoute({
  route,
  access: "operator",
  unscopedOnly: UNSCOPED_ONLY,
  audit: { action: "dead_letter.discard", resourceType: "dead_letter" },
  run: async (c, { ctx }) => c.json(await discardDeadLetter({ ctx, input: c.req.valid("param") }), 200),
});
