/** The route both enable.ts and disable.ts register, differing only in the status they ask for. */
import { createRoute } from "@hono/zod-openapi";
import type { StrategyStatus } from "../../../../drizzle/schema/index.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { setStrategyStatus } from "../../../services/strategies/set-strategy-status.ts";
import { presentStrategy, StatusChangeBody, StrategyIdParams, StrategySchema } from "./schemas.ts";

export function strategyStatusToggle(status: StrategyStatus) {
  const verb = status === "enabled" ? "enable" : "disable";
  const route = createRoute({
    method: "post",
    path: `/v1/strategies/{strategyId}/${verb}`,
    operationId: `${verb}Strategy`,
    tags: ["strategies"],
    summary: `${status === "enabled" ? "Enable" : "Disable"} a capacity strategy (unscoped operator)`,
    description:
      `A guarded transition: a strategy that is already ${status} is a 409 illegal_transition; with ` +
      "expectedVersion, one changed since is a 409 stale_version.",
    security: [{ [BEARER_SCHEME]: [] }],
    request: {
      params: StrategyIdParams,
      body: { required: false, content: { "application/json": { schema: StatusChangeBody } } },
    },
    responses: {
      200: { description: "The strategy", content: { "application/json": { schema: StrategySchema } } },
      ...errorResponses(
        "validation_failed",
        "bad_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "illegal_transition",
        "stale_version",
        "unsupported_media_type",
      ),
    },
  });
  return defineRoute({
    route,
    access: "operator",
    unscopedOnly: "strategies span the fleet: a cluster-scoped token cannot change them",
    audit: { action: `strategy.${verb}`, resourceType: "strategy" },
    run: async (c, { ctx }) => {
      const { strategyId } = c.req.valid("param");
      const { expectedVersion } = c.req.valid("json");
      const view = await setStrategyStatus({ ctx, input: { id: strategyId, status, expectedVersion } });
      return c.json(presentStrategy(view), 200);
    },
  });
}
