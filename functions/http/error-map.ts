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
  // An all-or-nothing import with a row in error: nothing written, the per-row report beside the error.
  import_rejected: 422,
  rate_limited: 429,
  internal: 500,
  dependency_unavailable: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

export function statusForCode(code: ErrorCode): ContentfulStatusCode {
  return ERROR_STATUS[code];
}

/** Error answers echo input (paths, values, parser messages); this bounds what they can echo. */
export const MAX_ERROR_MESSAGE_CHARS = 1024;
export const MAX_ERROR_DETAILS_CHARS = 6 * 1024;
const MAX_ECHOED_STRING_CHARS = 256;
const MAX_ECHOED_ITEMS = 20;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Strings clipped, arrays and objects cut short; the shape stays, so clients can still read it. */
function shrink(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return clip(value, MAX_ECHOED_STRING_CHARS);
  if (value === null || typeof value !== "object") return value;
  if (depth >= 4) return "…";
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_ECHOED_ITEMS).map((v) => shrink(v, depth + 1));
    return value.length > MAX_ECHOED_ITEMS ? [...kept, `… ${value.length - MAX_ECHOED_ITEMS} more`] : kept;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return Object.fromEntries(
    entries
      .slice(0, MAX_ECHOED_ITEMS)
      .map(([k, v]) => [clip(k, MAX_ECHOED_STRING_CHARS), shrink(v, depth + 1)]),
  );
}

/** Details within MAX_ERROR_DETAILS_CHARS of JSON: as they are, shrunk, or only `{ truncated: true }`. */
export function capDetails(details: Record<string, unknown>): Record<string, unknown> {
  const fits = (d: unknown) => {
    try {
      return (JSON.stringify(d)?.length ?? 0) <= MAX_ERROR_DETAILS_CHARS;
    } catch {
      return false; // too large (or circular) to serialize at all
    }
  };
  if (fits(details)) return details;
  const shrunk = { ...(shrink(details) as Record<string, unknown>), truncated: true };
  return fits(shrunk) ? shrunk : { truncated: true };
}

export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): ErrorEnvelope {
  return {
    error: {
      code,
      message: clip(message, MAX_ERROR_MESSAGE_CHARS),
      requestId,
      ...(details === undefined ? {} : { details: capDetails(details) }),
    },
  };
}
