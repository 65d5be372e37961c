import type { ErrorCode } from "../../proto/error-codes.ts";

/**
 * The one error class of the control plane. Services throw it with a code and
 * a human message; each transport maps the code (see http/error-map.ts).
 * `details` carries structured facts such as counts, never secrets.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
