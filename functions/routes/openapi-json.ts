/** Serves the OpenAPI 3.1 document generated from the zod route definitions. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/hono-env.ts";
import { openApiDocument } from "../http/openapi.ts";

export function registerOpenApiJson(app: OpenAPIHono<AppEnv>): void {
  // Built on first use, when every route of the app is registered, then kept: nothing in it depends
  // on the request (its server URL is relative), so one copy serves every caller.
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= openApiDocument(app);
    return c.json(document);
  });
}
