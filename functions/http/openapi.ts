/**
 * Shared OpenAPI pieces: the error envelope as a reusable component, the
 * bearer security scheme, and helpers routes use to declare their errors.
 */
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { ERROR_CODES, type ErrorCode } from "../../proto/error-codes.ts";
import { ERROR_STATUS } from "./error-map.ts";
import { repairOpenApiDocument } from "./openapi-repairs.ts";

export const API_TITLE = "kube-static-pool control plane";
export const API_VERSION = "0.1.0";
export const BEARER_SCHEME = "bearerAuth";

/**
 * Relative on purpose (OpenAPI 3.1 resolves it against where the document was fetched): the same
 * document is right on Node, on Workers and behind any proxy, without trusting a Host header.
 */
export const API_SERVERS = [
  {
    url: "/",
    description: "this control plane: paths are relative to the origin that served /openapi.json",
  },
];

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

/** The OpenAPI 3.1 document of every route registered on `app`, as /openapi.json serves it. */
export function openApiDocument<E extends Env>(app: OpenAPIHono<E>) {
  const generated = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description: "Autoscale Kubernetes clusters over pools of pre-booted machines.",
    },
    servers: API_SERVERS,
    security: [{ [BEARER_SCHEME]: [] }],
  });
  return repairOpenApiDocument(generated);
}
