import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { updateDutyShift } from "../../../services/duty-roster/update-duty-shift.ts";
import { DutyShiftSchema, datesOf, ShiftIdParams, UpdateDutyShiftBody } from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/duty-roster/{shiftId}",
  operationId: "updateDutyShift",
  tags: ["duty-roster"],
  summary: "Change a duty shift (unscoped operator)",
  description:
    "Any of person, startsAt, endsAt and contacts (replaced whole); the shift must still end after it starts.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: ShiftIdParams,
    body: { required: true, content: { "application/json": { schema: UpdateDutyShiftBody } } },
  },
  responses: {
    200: { description: "The shift", content: { "application/json": { schema: DutyShiftSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerUpdateDutyShift = defineRoute({
  route,
  access: "operator",
  unscopedOnly:
    "the duty roster spans the fleet and holds personal contacts: a cluster-scoped token cannot reach it",
  audit: { action: "duty_shift.update", resourceType: "duty_shift" },
  run: async (c, { ctx }) => {
    const { shiftId } = c.req.valid("param");
    const { startsAt, endsAt, ...rest } = c.req.valid("json");
    const changes = { ...rest, ...datesOf({ startsAt, endsAt }) };
    return c.json(await updateDutyShift({ ctx, input: { id: shiftId, changes } }), 200);
  },
});
