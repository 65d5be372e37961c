import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { replayDeadLetter } from "../../../services/dead-letters/replay-dead-letter.ts";
import { DEAD_LETTERS_NOTE, DeadLetterParams, DeadLetterSchema, UNSCOPED_ONLY } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/dead-letters/{id}/replay",
  operationId: "replayDeadLetter",
  tags: ["dead-letters"],
  summary: "Send a parked dead letter's message to the job queue again, once (operator)",
  description:
    "The stored body goes back on the job queue and the dead letter becomes `replayed`. Only a parked one " +
    "whose body is still a valid job message can be replayed (409 otherwise); of two replays at once, one " +
    "sends and the other is a 409. A replayed message that fails again is parked as a new dead letter. " +
    DEAD_LETTERS_NOTE,
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: DeadLetterParams },
  responses: {
    200: {
      description: "The dead letter, now replayed",
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

export const registerReplayDeadLetter = defineRoute({
  route,
  access: "operator",
  unscopedOnly: UNSCOPED_ONLY,
  audit: { action: "dead_letter.replay", resourceType: "dead_letter" },
  run: async (c, { ctx }) => {
    const input = { id: c.req.valid("param").id, queue: c.get("scope").deps.jobs };
    return c.json(await replayDeadLetter({ ctx, input }), 200);
  },
});
