/**
 * The HTTP application, identical on Node and Workers. Middleware order:
 * request id → access log → 405 detection → body limit → request scope →
 * route. Errors from any of them reach the one error handler.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { AppDeps } from "./composition/types.ts";
import { registerOpenApiComponents } from "./http/openapi.ts";
import { accessLog } from "./middleware/access-log.ts";
import type { AppEnv } from "./middleware/app-env.ts";
import { bodySizeLimit } from "./middleware/body-limit.ts";
import {
  errorHandler,
  methodNotAllowedResponse,
  notFoundHandler,
  validationHook,
} from "./middleware/error-handler.ts";
import { requestId } from "./middleware/request-id.ts";
import { requestScope } from "./middleware/request-scope.ts";
import { registerHealthz } from "./routes/healthz.ts";
import { registerOpenApiJson } from "./routes/openapi-json.ts";
import { registerReadyz } from "./routes/readyz.ts";
import { registerV1 } from "./routes/v1/index.ts";

export type { AppConfig, AppDeps } from "./composition/types.ts";
export type { AppEnv } from "./middleware/app-env.ts";

export type App = OpenAPIHono<AppEnv>;

/** Bulk endpoints whose bodies may exceed the normal limit (KSP_MAX_IMPORT_BYTES). */
export const BULK_PATHS = ["/v1/machines/import"] as const;

export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", requestId());
  app.use("*", accessLog(deps.logger));
  app.use("*", methodNotAllowed<AppEnv>({ app, onMethodNotAllowed: methodNotAllowedResponse }));
  app.use(
    "*",
    bodySizeLimit(deps.config.maxBodyBytes, { paths: BULK_PATHS, maxBytes: deps.config.maxImportBytes }),
  );
  app.use("*", requestScope(deps));

  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  registerOpenApiComponents(app);

  registerHealthz(app);
  registerReadyz(app);
  registerOpenApiJson(app);
  registerV1(app, deps.config.policy.rateLimitPerMinute);
  return app;
}
