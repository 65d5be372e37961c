/**
 * How a batch item that failed is answered to the agent (transitions, host
 * keys): the AppError's code, message and details, per item, so one item's
 * failure never fails the batch. Anything that is not a known application or
 * database error is rethrown: it is a bug, and the request answers 500.
 */
import type { ErrorCode } from "../../../proto/error-codes.ts";
import { isAppError } from "../../lib/errors.ts";
import { mapDbError } from "../db-errors.ts";

export interface ItemFailure {
  machineId: string;
  ok: false;
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function itemFailure(machineId: string, err: unknown): ItemFailure {
  const appError = isAppError(err) ? err : mapDbError(err);
  if (!appError) throw err;
  return {
    machineId,
    ok: false,
    error: {
      code: appError.code,
      message: appError.message,
      ...(appError.details ? { details: appError.details } : {}),
    },
  };
}
