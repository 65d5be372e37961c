/**
 * A failed API call as the console shows it: the API's own message and code,
 * and the request id to quote (from the error envelope, or the x-request-id
 * header when the body is not an envelope).
 */
export const REQUEST_ID_HEADER = "x-request-id";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly requestId: string | null,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface Envelope {
  error: { code: string; message: string; requestId?: string; details?: Record<string, unknown> };
}

function isEnvelope(body: unknown): body is Envelope {
  const error = (body as { error?: unknown } | null)?.error as { message?: unknown } | undefined;
  return typeof error === "object" && error !== null && typeof error.message === "string";
}

/** The ApiError of a non-2xx response whose body (parsed JSON, text or nothing) is given. */
export function apiErrorOf(response: Response, body: unknown): ApiError {
  const headerId = response.headers.get(REQUEST_ID_HEADER);
  if (isEnvelope(body)) {
    const { code, message, requestId, details } = body.error;
    return new ApiError(message, response.status, code, requestId ?? headerId, details);
  }
  const text = typeof body === "string" && body.trim() !== "" ? body.trim() : response.statusText;
  return new ApiError(text || `HTTP ${response.status}`, response.status, "http_error", headerId);
}

/** Any thrown value as an ApiError (a network failure has no status nor request id). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(`the control plane could not be reached: ${message}`, 0, "network", null);
}
