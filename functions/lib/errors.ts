import type { ErrorCode } from "../../proto/error-codes.ts";
import { KspError } from "../../shared/errors.ts";

/**
 * The one error class of the control plane. Services throw it with a code and
 * a human message; each transport maps the code (see http/error-map.ts).
 * `details` carries structured facts such as counts, never secrets.
 */
export class AppError extends KspError<ErrorCode> {
  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
    this.name = "AppError";
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
