/** Serves the OpenAPI 3.1 document generated from the zod route definitions. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { openApiDocument } from "../http/openapi.ts";
import type { AppEnv } from "../http/hono-env.ts";

export function registerOpenApiJson(app: OpenAPIHono<AppEnv>): void {
  // Built on first use: by then every route of the app is registered.
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= openApiDocument(app);
    return c.json(document);
  });
}
