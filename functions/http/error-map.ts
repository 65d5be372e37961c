/**
 * THE mapping from error codes to HTTP statuses, and the envelope every HTTP
 * error answers with. Services throw AppError with a code; only this file
 * decides what status a client sees for it.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode, ErrorEnvelope } from "../../proto/error-codes.ts";

export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  // The request is well formed but clashes with the current state of a resource.
  conflict: 409,
  illegal_transition: 409,
  stale_version: 409,
  not_enough_machines: 409,
  pool_at_max: 409,
  pool_disabled: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  dependency_unavailable: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

export function statusForCode(code: ErrorCode): ContentfulStatusCode {
  return ERROR_STATUS[code];
}

export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): ErrorEnvelope {
  return { error: { code, message, requestId, ...(details === undefined ? {} : { details }) } };
}
