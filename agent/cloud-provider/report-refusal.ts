/**
 * Tells the control plane about a scale request refused here, before the
 * control plane was asked (past max, below min, a node under maintenance),
 * so the pool's "why didn't it scale?" shows it. Best effort and not awaited:
 * Cluster Autoscaler's answer must neither wait on the report nor fail with
 * it. One attempt within the mutation budget; a control plane without the
 * route (older) answers 404, which is only logged.
 */
import type { ScalingRefusalRequest } from "../../proto/agent-api.ts";
import { type MutationDeps, mutationDeadline } from "./mutation-deps.ts";

export function reportRefusal(deps: MutationDeps, request: ScalingRefusalRequest): Promise<void> {
  return deps.controlPlane
    .reportScalingRefusal(request, { attempts: 1, deadline: mutationDeadline(deps) })
    .then(
      () => {},
      (err: unknown) => deps.logger.debug("scaling refusal not reported", { pool: request.poolId, err }),
    );
}
