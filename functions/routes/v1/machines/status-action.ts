/**
 * The four operator status actions share one route shape:
 * POST /v1/machines/{machineId}/<action>, each a single state machine transition.
 */
import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { MachineIdParams } from "../../../http/params.ts";
import { changeMachineStatus, type StatusAction } from "../../../services/machines/status-actions.ts";
import { OptionalReasonBody, ReasonBody } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const SUMMARIES: Record<StatusAction, string> = {
  maintenance: "Take a machine out of service for maintenance, with a reason (operator)",
  fault: "Mark a machine faulty, with a reason (operator)",
  restore: "Return a machine in maintenance, fault or archived to available (operator)",
  archive: "Archive a machine that is not in use; it leaves its cluster and frees its IP (operator)",
};

/** maintenance and fault must say why; restore and archive may. */
const NEEDS_REASON: Record<StatusAction, boolean> = {
  maintenance: true,
  fault: true,
  restore: false,
  archive: false,
};

/** The route of one status action, ready to register. */
export function statusActionRoute(action: StatusAction) {
  const needsReason = NEEDS_REASON[action];
  const route = createRoute({
    method: "post",
    path: `/v1/machines/{machineId}/${action}`,
    operationId: `${action}Machine`,
    tags: ["machines"],
    summary: SUMMARIES[action],
    security: [{ [BEARER_SCHEME]: [] }],
    request: {
      params: MachineIdParams,
      body: {
        required: needsReason,
        content: { "application/json": { schema: needsReason ? ReasonBody : OptionalReasonBody } },
      },
    },
    responses: {
      200: {
        description: "The machine after the change",
        content: { "application/json": { schema: MachineSchema } },
      },
      ...errorResponses(
        "validation_failed",
        "bad_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "conflict",
        "illegal_transition",
        "stale_version",
        "unsupported_media_type",
      ),
    },
  });

  return defineRoute({
    route,
    access: "operator",
    audit: { action: `machine.${action}`, resourceType: "machine" },
    run: async (c, { ctx, principal }) => {
      const { machineId } = c.req.valid("param");
      const body: { reason?: string | undefined; expectedVersion?: number | undefined } = c.req.valid("json");
      const machine = await changeMachineStatus({
        ctx,
        input: { ...body, action, machineId, scopeClusterId: principal.clusterId },
      });
      return c.json(presentMachine(machine), 200);
    },
  });
}
