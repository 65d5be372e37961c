/** What every lifecycle operation gets: the reconciler's collaborators, its own handle, a logger. */
import type { Logger } from "../../shared/logger.ts";
import type { ReconcilerDeps, RunningOperation } from "./types.ts";

export interface OperationContext {
  deps: ReconcilerDeps;
  op: RunningOperation;
  logger: Logger;
  /** why the machine's previous attempt was put off ("retry"), if it was: a fault past a deadline names it */
  previousProblem?: string;
  /** set by an operation that ends with "retry": what stood in its way */
  problem?: string;
}

/** Aborts when the operation is aborted, or at `deadline` (ms since epoch) with a timeout reason. */
export function untilDeadline(ctx: OperationContext, deadline: number): AbortSignal {
  const remaining = Math.max(0, deadline - ctx.deps.clock.now().getTime());
  return AbortSignal.any([ctx.op.controller.signal, AbortSignal.timeout(remaining)]);
}

export const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
