/**
 * The agent's one error class. The domain throws it with a code and a human
 * message; each transport maps the code through one table (gRPC:
 * agent/grpc/status-map.ts). `details` carries structured facts such as
 * counts, never secrets.
 */
import { KspError } from "../shared/errors.ts";

export const AGENT_ERROR_CODES = [
  "not_found",
  "invalid_argument",
  "failed_precondition",
  "resource_exhausted",
  "unavailable",
  "unimplemented",
  "deadline_exceeded",
  "internal",
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

export class AgentError extends KspError<AgentErrorCode> {
  constructor(
    code: AgentErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
    this.name = "AgentError";
  }
}

export function isAgentError(err: unknown): err is AgentError {
  return err instanceof AgentError;
}
