/**
 * The one table from the agent's error codes to gRPC status codes. Handlers
 * never pick a status themselves: they throw `AgentError` (or let the domain
 * throw it) and `toGrpcStatus` decides. Anything that is not an `AgentError`
 * is a bug on our side, so the client gets INTERNAL with a generic message and
 * the details go to the log, never to the wire.
 */
import { status } from "@grpc/grpc-js";
import type { Logger } from "../../shared/logger.ts";
import { type AgentErrorCode, isAgentError } from "../errors.ts";

export const GRPC_STATUS_BY_AGENT_CODE: Readonly<Record<AgentErrorCode, status>> = {
  not_found: status.NOT_FOUND,
  invalid_argument: status.INVALID_ARGUMENT,
  failed_precondition: status.FAILED_PRECONDITION,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  // CA retries Unavailable; the non-leader and control-plane-down paths rely on that.
  unavailable: status.UNAVAILABLE,
  unimplemented: status.UNIMPLEMENTED,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  internal: status.INTERNAL,
};

export const INTERNAL_ERROR_MESSAGE = "internal error; see the agent's log";

export interface GrpcStatusError {
  code: status;
  details: string;
}

/** Maps any thrown value to the status sent to the client; unexpected errors are logged here. */
export function toGrpcStatus(err: unknown, logger: Logger, method: string): GrpcStatusError {
  if (isAgentError(err)) {
    // An `internal` AgentError is still ours to investigate: log it like an unexpected one.
    if (err.code === "internal") logger.error("rpc failed", { method, err, details: err.details });
    return { code: GRPC_STATUS_BY_AGENT_CODE[err.code], details: err.message };
  }
  logger.error("rpc failed with an unexpected error", { method, err });
  return { code: status.INTERNAL, details: INTERNAL_ERROR_MESSAGE };
}

/** "NOT_FOUND" for status.NOT_FOUND: the label the metrics and access log use. */
export function statusName(code: number): string {
  return status[code] ?? `CODE_${code}`;
}
