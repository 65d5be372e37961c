/** Liveness: answers as long as the process serves HTTP; touches no dependency. */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/hono-env.ts";
import { errorResponses } from "../http/openapi.ts";

const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

const route = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["health"],
  summary: "Liveness probe",
  security: [],
  responses: {
    200: { description: "The process is serving", content: { "application/json": { schema: HealthSchema } } },
    ...errorResponses(),
  },
});

export function registerHealthz(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => c.json({ status: "ok" as const }, 200));
}
