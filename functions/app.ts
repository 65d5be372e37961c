/**
 * The HTTP application, identical on Node and Workers. Middleware order:
 * request id → access log → request metrics → 405 detection → declared body size (reads
 * nothing) → request scope → [outside /v1: streamed body size] → route; /v1
 * adds authentication, rate limits, streamed body size and audit, in that
 * order, so no body is read for a caller who is refused. Errors from any of
 * them reach the one error handler.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { AppDeps } from "./composition/types.ts";
import type { App, AppEnv } from "./http/hono-env.ts";
import { registerOpenApiComponents } from "./http/openapi.ts";
import { accessLog } from "./middleware/access-log.ts";
import { type BodyLimits, bodySizeLimit, declaredBodySizeLimit } from "./middleware/body-limit.ts";
import {
  errorHandler,
  methodNotAllowedResponse,
  notFoundHandler,
  validationHook,
} from "./middleware/error-handler.ts";
import { requestId } from "./middleware/request-id.ts";
import { requestMetrics } from "./middleware/request-metrics.ts";
import { requestScope } from "./middleware/request-scope.ts";
import { registerHealthz } from "./routes/healthz.ts";
import { registerMetrics } from "./routes/metrics.ts";
import { registerOpenApiJson } from "./routes/openapi-json.ts";
import { registerReadyz } from "./routes/readyz.ts";
import { registerStaticPages } from "./routes/static-pages.ts";
import { registerV1 } from "./routes/v1/index.ts";

export type { AppConfig, AppDeps } from "./composition/types.ts";
export type { App, AppEnv } from "./http/hono-env.ts";

/** Bulk endpoints whose bodies may exceed the normal limit (KSP_MAX_IMPORT_BYTES). */
export const BULK_PATHS = ["/v1/machines/import"] as const;

export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", requestId());
  app.use("*", accessLog(deps.logger));
  app.use("*", requestMetrics(deps.metrics));
  app.use("*", methodNotAllowed<AppEnv>({ app, onMethodNotAllowed: methodNotAllowedResponse }));
  const limits: BodyLimits = {
    maxBytes: deps.config.maxBodyBytes,
    bulk: { paths: BULK_PATHS, maxBytes: deps.config.maxImportBytes },
  };
  app.use("*", declaredBodySizeLimit(limits));
  app.use("*", requestScope(deps));
  // /v1 counts streamed bodies only once the caller is authenticated and within its limits.
  const streamedBodyLimit = bodySizeLimit(limits);
  app.use("*", (c, next) => (c.req.path.startsWith("/v1/") ? next() : streamedBodyLimit(c, next)));

  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  registerOpenApiComponents(app);

  registerHealthz(app);
  registerReadyz(app);
  registerMetrics(app, { metrics: deps.metrics, token: deps.config.metricsToken });
  registerOpenApiJson(app);
  registerStaticPages(app, deps.assets);
  registerV1(app, { limitPerMinute: deps.config.policy.rateLimitPerMinute, bodyLimit: streamedBodyLimit });
  return app;
}
