import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getDutyShift } from "../../../services/duty-roster/get-duty-shift.ts";
import { DutyShiftSchema, ShiftIdParams } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/duty-roster/{shiftId}",
  operationId: "getDutyShift",
  tags: ["duty-roster"],
  summary: "One duty shift (unscoped operator: contacts are personal data)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: ShiftIdParams },
  responses: {
    200: { description: "The shift", content: { "application/json": { schema: DutyShiftSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerGetDutyShift = defineRoute({
  route,
  access: "operator",
  unscopedOnly:
    "the duty roster spans the fleet and holds personal contacts: a cluster-scoped token cannot reach it",
  run: async (c, { ctx }) => {
    const { shiftId } = c.req.valid("param");
    return c.json(await getDutyShift({ ctx, input: { id: shiftId } }), 200);
  },
});
