/**
 * Machine-readable error codes, shared by every transport.
 * The HTTP envelope carries them as `error.code`; the agent's gRPC layer maps
 * them to status codes. Each transport keeps its own mapping table.
 */
export const ERROR_CODES = [
  "bad_request",
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "illegal_transition",
  "stale_version",
  "not_enough_machines",
  "pool_at_max",
  "pool_disabled",
  "payload_too_large",
  "unsupported_media_type",
  "import_rejected",
  "rate_limited",
  "dependency_unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The JSON error envelope every HTTP API answers with. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string; details?: Record<string, unknown> };
}
