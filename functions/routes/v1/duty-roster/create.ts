import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { createDutyShift } from "../../../services/duty-roster/create-duty-shift.ts";
import { CreateDutyShiftBody, DutyShiftSchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/duty-roster",
  operationId: "createDutyShift",
  tags: ["duty-roster"],
  summary: "Put a person on duty for a time window (unscoped operator)",
  description:
    "endsAt must come after startsAt; each contact's address must suit its channel (an email address, " +
    "or an http(s) URL for webhook). Shifts may overlap: everyone on duty is notified.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateDutyShiftBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: DutyShiftSchema } } },
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "forbidden"),
  },
});

export const registerCreateDutyShift = defineRoute({
  route,
  access: "operator",
  unscopedOnly:
    "the duty roster spans the fleet and holds personal contacts: a cluster-scoped token cannot reach it",
  audit: { action: "duty_shift.create", resourceType: "duty_shift" },
  run: async (c, { ctx }) => {
    const { startsAt, endsAt, ...rest } = c.req.valid("json");
    const input = { ...rest, startsAt: new Date(startsAt), endsAt: new Date(endsAt) };
    return c.json(await createDutyShift({ ctx, input }), 201);
  },
});
