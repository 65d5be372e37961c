/** Liveness: answers as long as the process serves HTTP; touches no dependency. */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/hono-env.ts";
import { errorResponses } from "../http/openapi.ts";

const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

const route = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealthz",
  tags: ["health"],
  summary: "Liveness probe",
  security: [],
  responses: {
    200: { description: "The process is serving", content: { "application/json": { schema: HealthSchema } } },
    // like any request, one declaring a body over the limit is refused before routing (app.ts)
    ...errorResponses("payload_too_large"),
  },
});

export function registerHealthz(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => c.json({ status: "ok" as const }, 200));
}
