/** What the mutating RPCs share: their collaborators and the deadline rule. */
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ControlPlane } from "../control-plane/types.ts";
import type { Leadership } from "../leadership.ts";
import type { StateStore } from "../state/store.ts";

export interface MutationDeps {
  store: StateStore;
  controlPlane: ControlPlane;
  leadership: Leadership;
  clock: Clock;
  logger: Logger;
  /** asks for a sync soon, without waiting for it (the control plane has news for us) */
  requestSync(): void;
  /** how long a mutation may spend on the control plane, retries included (below CA's 5 s grpc_timeout) */
  budgetMs: number;
}

/** The caller's deadline, but never more than our budget from now. */
export function mutationDeadline(deps: MutationDeps, deadline?: Date): Date {
  const budget = deps.clock.now().getTime() + deps.budgetMs;
  return new Date(deadline ? Math.min(deadline.getTime(), budget) : budget);
}
