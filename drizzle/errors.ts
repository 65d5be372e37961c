/**
 * drizzle/'s own error: the database cannot be opened (DATABASE_URL missing or
 * malformed, the server unreachable, the embedded data directory owned by
 * another process or unreadable). drizzle/ imports nothing from the control
 * plane, so it cannot throw AppError; it speaks the same codes (proto's), and
 * the control plane turns it into an AppError at its edge
 * (functions/services/db-errors.ts `mapDbError`, which the HTTP error handler
 * applies to every error it did not already know).
 */
import type { ErrorCode } from "../proto/error-codes.ts";
import { KspError } from "../shared/errors.ts";

export type DatabaseOpenErrorCode = Extract<ErrorCode, "dependency_unavailable" | "conflict">;

export class DatabaseOpenError extends KspError<DatabaseOpenErrorCode> {
  constructor(
    code: DatabaseOpenErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
    this.name = "DatabaseOpenError";
  }
}

export function isDatabaseOpenError(err: unknown): err is DatabaseOpenError {
  return err instanceof DatabaseOpenError;
}
