import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { deleteDutyShift } from "../../../services/duty-roster/delete-duty-shift.ts";
import { DutyShiftSchema, ShiftIdParams } from "./schemas.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/duty-roster/{shiftId}",
  operationId: "deleteDutyShift",
  tags: ["duty-roster"],
  summary: "Delete a duty shift (unscoped operator)",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: ShiftIdParams },
  responses: {
    200: { description: "The deleted shift", content: { "application/json": { schema: DutyShiftSchema } } },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const registerDeleteDutyShift = defineRoute({
  route,
  access: "operator",
  unscopedOnly:
    "the duty roster spans the fleet and holds personal contacts: a cluster-scoped token cannot reach it",
  audit: { action: "duty_shift.delete", resourceType: "duty_shift" },
  run: async (c, { ctx }) => {
    const { shiftId } = c.req.valid("param");
    return c.json(await deleteDutyShift({ ctx, input: { id: shiftId } }), 200);
  },
});
