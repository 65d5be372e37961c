/**
 * A machine a maintenance order drains (`draining` with drainIntent
 * "maintenance"): cordon it with the agent's mark (`ksp.io/cordoned-for:
 * maintenance`, so the agent can tell its cordon from an operator's), drain
 * it exactly as a removal does (drain-node.ts), then report draining →
 * maintenance and stop: no reset, and the Node stays, cordoned, for the
 * machine's return to `ready` (then uncordon-node.ts undoes the cordon).
 *
 * Level-triggered and safe to repeat: a crash anywhere before the report
 * leaves the machine `draining`, and the next pass marks (a no-op) and
 * drains (what is left) again. A Node an operator had cordoned already is
 * drained but not marked: it stays cordoned after the maintenance too.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { drainNode } from "./drain-node.ts";
import type { OperationContext } from "./operation-context.ts";
import { reportTransition } from "./transitions.ts";
import type { OperationOutcome } from "./types.ts";

export const MAINTENANCE_REASON = "maintenance";

export async function maintainMachine(
  ctx: OperationContext,
  machine: AgentMachine,
  pool: AgentPool,
): Promise<OperationOutcome> {
  const { deps, op, logger } = ctx;
  const drained = await drainNode(ctx, machine, pool, async (name) => {
    const outcome = await deps.nodeOps.cordonWithMark(name, MAINTENANCE_REASON);
    if (outcome === "foreign") {
      logger.info("node was cordoned by someone else already: left unmarked, so it stays cordoned after", {
        node: name,
      });
    }
  });
  if (drained !== "drained") return drained;
  const moved = await reportTransition(deps, machine, {
    to: "maintenance",
    reason: "agent: drained for maintenance; the Node stays cordoned",
  });
  if (!moved.ok) return "conflict";
  op.expects = ["maintenance"];
  logger.info("machine drained for maintenance", { node: machine.nodeName });
  return "succeeded";
}
