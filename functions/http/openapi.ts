/**
 * Shared OpenAPI pieces: the error envelope as a reusable component, the
 * bearer security scheme, and helpers routes use to declare their errors.
 */
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { ERROR_CODES, type ErrorCode } from "../../proto/error-codes.ts";
import { ERROR_STATUS } from "./error-map.ts";

export const API_TITLE = "kube-static-pool control plane";
export const API_VERSION = "0.1.0";
export const BEARER_SCHEME = "bearerAuth";

export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      requestId: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi("ErrorEnvelope");

const errorContent = { "application/json": { schema: ErrorEnvelopeSchema } };

/** `responses` entries for the given codes, grouped by the status they map to. */
export function errorResponses(...codes: ErrorCode[]) {
  const out: Record<number, { description: string; content: typeof errorContent }> = {};
  for (const code of [...codes, "internal" as const]) {
    const status = ERROR_STATUS[code];
    const prior = out[status]?.description;
    out[status] = { description: prior ? `${prior}, ${code}` : code, content: errorContent };
  }
  return out;
}

export function registerOpenApiComponents<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.register("ErrorEnvelope", ErrorEnvelopeSchema);
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    description: "An API token (ksp_adm_…) in the Authorization header.",
  });
}

export function openApiDocument<E extends Env>(app: OpenAPIHono<E>) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description: "Autoscale Kubernetes clusters over pools of pre-booted machines.",
    },
    security: [{ [BEARER_SCHEME]: [] }],
  });
}
