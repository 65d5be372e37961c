import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listDutyShifts } from "../../../services/duty-roster/list-duty-shifts.ts";
import { TimestampQuery } from "../events/schemas.ts";
import { DutyShiftSchema, datesOf } from "./schemas.ts";

const ListDutyShiftsQuery = PageQuerySchema.extend({
  at: TimestampQuery.optional().openapi({
    description: "who is on duty at this time (startsAt <= at < endsAt)",
  }),
  from: TimestampQuery.optional().openapi({ description: "only shifts that end after this time" }),
  to: TimestampQuery.optional().openapi({ description: "only shifts that start before this time" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/duty-roster",
  operationId: "listDutyShifts",
  tags: ["duty-roster"],
  summary: "List duty shifts by start time (unscoped operator: contacts are personal data)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListDutyShiftsQuery },
  responses: {
    200: {
      description: "A page of shifts, earliest start first",
      content: { "application/json": { schema: pageOf(DutyShiftSchema, "DutyShiftPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const registerListDutyShifts = defineRoute({
  route,
  access: "operator",
  unscopedOnly:
    "the duty roster spans the fleet and holds personal contacts: a cluster-scoped token cannot reach it",
  run: async (c, { ctx }) => {
    const { at, from, to, ...page } = c.req.valid("query");
    return c.json(await listDutyShifts({ ctx, input: { ...page, ...datesOf({ at, from, to }) } }), 200);
  },
});
