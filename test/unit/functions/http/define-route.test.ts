/**
 * defineRoute refuses, at definition time, a route that opts out of auditing
 * without being listed in UNAUDITED_ROUTES: the audit middleware writes its
 * intent row before the handler runs, so the two must agree.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { UNAUDITED_ROUTES } from "../../../../functions/http/audit.ts";
import { defineRoute } from "../../../../functions/http/define-route.ts";

const routeAt = (path: `/${string}`) =>
  createRoute({
    method: "post",
    path,
    responses: { 200: { description: "ok", content: { "application/json": { schema: z.object({}) } } } },
  });

describe("defineRoute", () => {
  it("refuses audit: false on a route the audit middleware would record", () => {
    expect(() =>
      defineRoute({
        route: routeAt("/v1/agent/noisy"),
        access: "agent",
        audit: false,
        run: (c) => c.json({}, 200),
      }),
    ).toThrow(/POST \/v1\/agent\/noisy declares audit: false but is not in UNAUDITED_ROUTES/);
  });

  it("accepts audit: false on the listed agent reports", () => {
    expect(UNAUDITED_ROUTES.has("POST /v1/agent/heartbeat")).toBe(true);
    const register = defineRoute({
      route: routeAt("/v1/agent/heartbeat"),
      access: "agent",
      audit: false,
      run: (c) => c.json({}, 200),
    });
    expect(typeof register).toBe("function");
  });
});
