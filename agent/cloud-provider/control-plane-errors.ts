/**
 * What a failed control-plane call means to Cluster Autoscaler: the one
 * place where ControlPlaneError becomes AgentError. Outages are Unavailable
 * (CA retries); the allocation refusals keep their counts.
 */
import { isControlPlaneError } from "../control-plane/errors.ts";
import { AgentError } from "../errors.ts";

/** `what` names the operation for the message, e.g. `scale-up of pool "gpu" by 3`. */
export function agentErrorFromControlPlane(err: unknown, what: string): AgentError {
  if (!isControlPlaneError(err)) {
    return new AgentError("internal", `${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const details = err.details;
  if (err.kind === "unreachable" || err.retryable) {
    return new AgentError("unavailable", `${what}: control plane unavailable (${err.message})`, undefined, {
      cause: err,
    });
  }
  switch (err.code) {
    case "not_enough_machines":
      return new AgentError(
        "resource_exhausted",
        `${what}: not enough machines (requested ${details?.requested ?? "?"}, available ${details?.available ?? "?"})`,
        details,
      );
    case "pool_at_max":
      return new AgentError(
        "invalid_argument",
        `${what}: pool at its maximum (current ${details?.current ?? "?"}, max ${details?.max ?? "?"}, requested ${details?.requested ?? "?"})`,
        details,
      );
    case "pool_disabled":
      return new AgentError("failed_precondition", `${what}: autoscaling is disabled for the pool`, details);
    case "not_found":
      return new AgentError("not_found", `${what}: ${err.message}`, details);
    case "unauthorized":
    case "forbidden":
      // the agent's credential was refused: nothing CA can fix, but it may heal after re-registration
      return new AgentError("unavailable", `${what}: the control plane refused the agent credential`);
    default:
      return new AgentError("internal", `${what}: ${err.message}`, details);
  }
}
